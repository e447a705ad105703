// Shared wiring for client tests: fixed credentials, a FakeClock that jumps to each sleeper's
// deadline (backoff and rate limiting take no real time), the real curl transport.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "aws/credentials.h"
#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "aws/service_client.h"
#include "common/clock.h"
#include "common/ids.h"

namespace ferry::aws::test_support {

inline constexpr char kTestSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

class FixedCredentials final : public CredentialsProvider {
 public:
  Result<Credentials> Resolve() override {
    return Credentials{"AKIDEXAMPLE", kTestSecret, "", std::nullopt, "test"};
  }
};

struct ClientEnv {
  // Real servers check the signing time: pass SystemClock::Instance().Now() for them.
  explicit ClientEnv(TimePoint start = TimePoint(std::chrono::seconds(1'800'000'000)))
      : clock(start, /*auto_advance=*/true),
        limiters(clock),
        transport(CurlTransport::Create().value()) {}

  ServiceDeps deps() { return ServiceDeps{*transport, credentials, clock, ids, limiters, quota}; }

  FakeClock clock;
  SequentialIdGenerator ids{7};
  RateLimiterRegistry limiters;
  RetryQuota quota;
  FixedCredentials credentials;
  std::unique_ptr<CurlTransport> transport;
};

}  // namespace ferry::aws::test_support
