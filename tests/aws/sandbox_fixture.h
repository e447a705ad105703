// Shared fixture of the suites that run the aws clients against `ferry sandbox` (a child process,
// support/sandbox_process.h; the test fails when the ferry binary is missing, see
// support/prerequisite.h).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/curl_transport.h"
#include "aws/lambda_client.h"
#include "support/function_zip.h"
#include "support/prerequisite.h"
#include "support/sandbox_process.h"
#include "support/temp_dir.h"

namespace ferry::aws::test_support {

class SandboxCredentials final : public CredentialsProvider {
 public:
  Result<Credentials> Resolve() override {
    return Credentials{"test", "test", "", std::nullopt, "test"};
  }
};

// Wraps the real transport and counts responses by status, to prove the faults really happened.
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(HttpTransport& inner) : inner_(inner) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    auto result = inner_.Send(request);
    std::lock_guard lock(mu_);
    ++by_status_[result.ok() ? result->status : 0];
    return result;
  }
  int Count(int status) {
    std::lock_guard lock(mu_);
    return by_status_[status];
  }

 private:
  HttpTransport& inner_;
  std::mutex mu_;
  std::map<int, int> by_status_;  // Guarded by mu_.
};

// A real deployment package: index.py, whose handler returns {"tag": tag, "event": event},
// zipped by the zip tool.
inline std::string MakeZip(const std::string& tag) {
  return test::ZipOf("index.py", "def handler(event, context):\n    return {'tag': '" + tag +
                                     "', 'event': event}\n");
}

class SandboxTest : public ::testing::Test {
 protected:
  // Starts `ferry sandbox --data DIR --update-delay 200ms [extra...]`; the caller returns when
  // HasFatalFailure() || IsSkipped() afterwards.
  void Start(const std::vector<std::string>& extra) {
    FERRY_TEST_REQUIRE(test::MissingFerryBinary());
    sandbox_ = test::SandboxProcess::Start(dir_.Sub("data"), extra, "200ms");
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->diagnostics();
    endpoint_ = sandbox_->url();
    curl_ = CurlTransport::Create().value();
    transport_ = std::make_unique<CountingTransport>(*curl_);
  }

  ServiceDeps Deps() {
    return ServiceDeps{*transport_, credentials_, SystemClock::Instance(), ids_, limiters_, quota_};
  }
  LambdaClient Lambda() {
    ServiceConfig config = LambdaServiceConfig(endpoint_, "us-east-1");
    // Faster than the standard 1 s base so the suite stays short; more attempts because a fifth
    // of all requests is refused on purpose.
    config.retry = RetryOptions{10, std::chrono::milliseconds(50), std::chrono::milliseconds(1'000),
                                std::chrono::milliseconds(2'000)};
    return LambdaClient(config, Deps());
  }

  test::TempDir dir_;
  std::unique_ptr<test::SandboxProcess> sandbox_;
  std::string endpoint_;
  std::unique_ptr<CurlTransport> curl_;
  std::unique_ptr<CountingTransport> transport_;
  SandboxCredentials credentials_;
  RandomIdGenerator ids_{SystemClock::Instance()};
  RateLimiterRegistry limiters_{SystemClock::Instance()};
  RetryQuota quota_{100'000};  // the faults are deliberate; don't let the quota end the test
};

}  // namespace ferry::aws::test_support
