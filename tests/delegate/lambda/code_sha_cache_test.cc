#include "delegate/lambda/code_sha_cache.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace ferry::delegate {
namespace {

using namespace ::ferry::lambda;  // NOLINT: the domain types under test

CodeSource S3(const std::string& key) {
  CodeSource code;
  code.s3_bucket = "artifacts";
  code.s3_key = key;
  return code;
}

TEST(CodeShaCacheTest, TheFirstClaimResolvesAndLaterOnesKnow) {
  CodeShaCache cache;
  {
    CodeShaCache::Claim duty = cache.Acquire(S3("a.zip"), {});
    EXPECT_FALSE(duty.known().has_value());
    duty.Resolve("SHA-A");
  }
  EXPECT_EQ(cache.Acquire(S3("a.zip"), {}).known(), "SHA-A");
  EXPECT_FALSE(cache.Acquire(S3("b.zip"), {}).known().has_value()) << "another key";
  CodeSource versioned = S3("a.zip");
  versioned.s3_object_version = "v2";
  EXPECT_FALSE(cache.Acquire(versioned, {}).known().has_value()) << "another object version";
}

TEST(CodeShaCacheTest, InlineZipsAreNeverShared) {
  CodeShaCache cache;
  CodeSource zip;
  zip.zip_file = "PK...";
  cache.Acquire(zip, {}).Resolve("SHA-Z");
  EXPECT_FALSE(cache.Acquire(zip, {}).known().has_value());
  // Two duties at once: nothing waits for an unshared package.
  CodeShaCache::Claim a = cache.Acquire(zip, {});
  CodeShaCache::Claim b = cache.Acquire(zip, {});
  EXPECT_FALSE(b.known().has_value());
}

// A second function waits while the first resolves; when the first gives up (its DryRun
// failed), the waiter gets the duty instead of an answer.
TEST(CodeShaCacheTest, AWaiterTakesOverWhenTheResolverGivesUp) {
  CodeShaCache cache;
  std::optional<CodeShaCache::Claim> first(cache.Acquire(S3("a.zip"), {}));
  std::promise<bool> got_duty;
  std::jthread waiter([&] {
    CodeShaCache::Claim claim = cache.Acquire(S3("a.zip"), {});
    got_duty.set_value(!claim.known().has_value());
    claim.Resolve("SHA-A");
  });
  first.reset();  // dropped unresolved
  EXPECT_TRUE(got_duty.get_future().get());
  waiter.join();
  EXPECT_EQ(cache.Acquire(S3("a.zip"), {}).known(), "SHA-A");
}

TEST(CodeShaCacheTest, AStopRequestEndsTheWait) {
  CodeShaCache cache;
  CodeShaCache::Claim first = cache.Acquire(S3("a.zip"), {});
  std::stop_source stop;
  std::promise<bool> known;
  std::jthread waiter(
      [&] { known.set_value(cache.Acquire(S3("a.zip"), stop.get_token()).known().has_value()); });
  stop.request_stop();
  EXPECT_FALSE(known.get_future().get());
}

}  // namespace
}  // namespace ferry::delegate
