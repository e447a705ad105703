// Shared fixture of the suites that run the aws clients against `ferry sandbox` (started from
// $FERRY_BINARY_DIR/apps/ferry/ferry; the test is skipped when the binary is missing).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/child_process.h"
#include "aws/curl_transport.h"
#include "aws/lambda_client.h"

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

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A real deployment package: index.py zipped by the zip tool.
inline std::string MakeZip(const std::filesystem::path& dir, const std::string& tag) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.py") << "def handler(event, context):\n"
                                  << "    return {'tag': '" << tag << "', 'event': event}\n";
  std::filesystem::remove(dir / "fn.zip");
  const std::string cmd = "cd '" + dir.string() + "' && zip -q -X fn.zip index.py";
  if (std::system(cmd.c_str()) != 0) return "";
  return ReadFile(dir / "fn.zip");
}

class SandboxTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& extra) {
    const char* binary_dir = std::getenv("FERRY_BINARY_DIR");
    const std::string binary = std::string(binary_dir ? binary_dir : ".") + "/apps/ferry/ferry";
    if (!std::filesystem::exists(binary)) GTEST_SKIP() << "no ferry binary at " << binary;
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-aws-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    std::vector<std::string> argv = {
        binary,           "sandbox", "--port", "0", "--data", (dir_ / "data").string(),
        "--update-delay", "200ms"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    sandbox_ = std::make_unique<ChildProcess>(argv, "listening on ");
    ASSERT_TRUE(sandbox_->started()) << sandbox_->output();
    endpoint_ = sandbox_->ready_match();
    curl_ = CurlTransport::Create().value();
    transport_ = std::make_unique<CountingTransport>(*curl_);
  }
  void TearDown() override {
    sandbox_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
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

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> sandbox_;
  std::string endpoint_;
  std::unique_ptr<CurlTransport> curl_;
  std::unique_ptr<CountingTransport> transport_;
  SandboxCredentials credentials_;
  RandomIdGenerator ids_{SystemClock::Instance()};
  RateLimiterRegistry limiters_{SystemClock::Instance()};
  RetryQuota quota_{100'000};  // the faults are deliberate; don't let the quota end the test
};

}  // namespace ferry::aws::test_support
