#include "aws/retry.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ferry::aws {
namespace {

using std::chrono::milliseconds;

TEST(RetryClassifyTest, ThrottlingCodesAndStatus) {
  for (const char* code : {"Throttling", "ThrottlingException", "TooManyRequestsException",
                           "RequestLimitExceeded", "ProvisionedThroughputExceededException",
                           "SlowDown", "RequestThrottledException", "BandwidthLimitExceeded"}) {
    EXPECT_EQ(Classify({std::nullopt, 400, code}), FailureKind::kThrottling) << code;
  }
  EXPECT_EQ(Classify({std::nullopt, 429, ""}), FailureKind::kThrottling);
}

TEST(RetryClassifyTest, TransientStatusesCodesAndConnectionErrors) {
  for (int status : {500, 502, 503, 504}) {
    EXPECT_EQ(Classify({std::nullopt, status, ""}), FailureKind::kTransient) << status;
  }
  EXPECT_EQ(Classify({std::nullopt, 400, "RequestTimeout"}), FailureKind::kTransient);
  EXPECT_EQ(Classify({std::nullopt, 400, "RequestTimeoutException"}), FailureKind::kTransient);
  EXPECT_EQ(Classify({ErrorCode::kUnavailable, 0, ""}), FailureKind::kTransient);
  EXPECT_EQ(Classify({ErrorCode::kDeadlineExceeded, 0, ""}), FailureKind::kTimeout);
}

TEST(RetryClassifyTest, ClientErrorsAreNotRetried) {
  EXPECT_EQ(Classify({std::nullopt, 404, "ResourceNotFoundException"}), FailureKind::kNotRetryable);
  EXPECT_EQ(Classify({std::nullopt, 409, "ResourceConflictException"}), FailureKind::kNotRetryable);
  EXPECT_EQ(Classify({std::nullopt, 412, "PreconditionFailedException"}),
            FailureKind::kNotRetryable);
  EXPECT_EQ(Classify({std::nullopt, 501, ""}), FailureKind::kNotRetryable);
  EXPECT_EQ(Classify({std::nullopt, 200, ""}), FailureKind::kNotRetryable);
  EXPECT_EQ(Classify({ErrorCode::kInvalidArgument, 0, ""}), FailureKind::kNotRetryable);
}

TEST(RetryBackoffTest, FullJitterExponentialCappedAt20Seconds) {
  RetryOptions options;
  EXPECT_EQ(BackoffDelay(1, 0.0, options), milliseconds(0));
  EXPECT_EQ(BackoffDelay(1, 0.5, options), milliseconds(500));
  EXPECT_EQ(BackoffDelay(2, 0.5, options), milliseconds(1'000));
  EXPECT_EQ(BackoffDelay(3, 0.5, options), milliseconds(2'000));
  EXPECT_EQ(BackoffDelay(5, 0.999, options), milliseconds(15'984));
  EXPECT_EQ(BackoffDelay(6, 0.999, options), milliseconds(20'000));
  EXPECT_EQ(BackoffDelay(1'000, 0.999, options), milliseconds(20'000));
  // Out-of-range jitter from a broken generator is clamped, never negative or unbounded.
  EXPECT_EQ(BackoffDelay(2, -3.0, options), milliseconds(0));
  EXPECT_EQ(BackoffDelay(2, 7.0, options), milliseconds(2'000));
}

TEST(RetryAfterTest, ParsesSecondsAndRejectsJunk) {
  EXPECT_EQ(ParseRetryAfterSeconds("3"), milliseconds(3'000));
  EXPECT_EQ(ParseRetryAfterSeconds(" 0.25 "), milliseconds(250));
  EXPECT_EQ(ParseRetryAfterSeconds("0"), milliseconds(0));
  for (const char* bad : {"", "-1", "abc", "1e400", "nan", "inf", "Wed, 21 Oct 2015 07:28:00 GMT",
                          "99999999999999999999", "100000"}) {
    EXPECT_FALSE(ParseRetryAfterSeconds(bad).has_value()) << bad;
  }
}

TEST(RetryQuotaTest, CostsRefundsAndExhaustion) {
  RetryQuota quota;
  int cost = 0;
  ASSERT_TRUE(quota.Acquire(FailureKind::kTransient, &cost));
  EXPECT_EQ(cost, 5);
  ASSERT_TRUE(quota.Acquire(FailureKind::kTimeout, &cost));
  EXPECT_EQ(cost, 10);
  EXPECT_EQ(quota.available(), 485);
  quota.OnSuccess(10);
  EXPECT_EQ(quota.available(), 495);
  quota.OnSuccess(0);
  EXPECT_EQ(quota.available(), 496);
  // Never above capacity.
  for (int i = 0; i < 10; ++i) quota.OnSuccess(0);
  EXPECT_EQ(quota.available(), 500);
  // 100 retries drain it; the 101st is refused and takes nothing.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(quota.Acquire(FailureKind::kThrottling, &cost));
  EXPECT_FALSE(quota.Acquire(FailureKind::kThrottling, &cost));
  EXPECT_EQ(cost, 0);
  EXPECT_EQ(quota.available(), 0);
}

TEST(RetryQuotaTest, ThreadSafeUnderContention) {
  RetryQuota quota;
  std::vector<std::thread> threads;
  std::atomic<int> granted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        int cost = 0;
        if (quota.Acquire(FailureKind::kTransient, &cost)) granted++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 100);
  EXPECT_EQ(quota.available(), 0);
}

}  // namespace
}  // namespace ferry::aws
