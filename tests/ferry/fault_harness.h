// Harness of the fault suite (tests/ferry/fault_*_test.cc): a real `ferry sandbox` child process
// with quotas and fault injection, and a "rig" holding what `ferry server` runs in-process — the
// SQLite store, the engine on a loop thread, the embedded delegate agent with the Lambda task
// handlers over the real aws clients — so faults are exercised through the real HTTP path.
//
// The crash test runs at the process level instead: tests/ferry/server_crash_test.cc SIGKILLs the
// real `ferry server` binary and restarts it on the same data directory.
//
// Not thread-safe: one test thread drives a Sandbox/Rig; the rig's own threads are internal.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "common/clock.h"
#include "common/ids.h"
#include "delegate/lambda/aws_lambda_provider.h"
#include "delegate/lambda/lambda_tasks.h"
#include "delegate/protocol/agent.h"
#include "engine/deploy_requests.h"
#include "engine/embedded_transport.h"
#include "engine/engine.h"
#include "store/store.h"
#include "support/sandbox_process.h"
#include "support/static_credentials.h"

namespace ferry::faults {

inline constexpr char kRole[] = "arn:aws:iam::000000000000:role/lambda-role";
inline constexpr char kRegion[] = "us-east-1";

struct SandboxFlags {
  bool quota = false;
  std::vector<std::string> faults;  // --fault specs
  std::optional<uint64_t> fault_seed;
  std::string update_delay = "50ms";
};

// `ferry sandbox --port 0` (in memory) as a child process (support/sandbox_process.h), with
// `flags`; its output is captured for failure messages.
class SandboxChild {
 public:
  // Starts it and waits for its "listening" line. False with *error (its output) on failure.
  bool Start(const SandboxFlags& flags, std::string* error);
  const std::string& url() const { return process_->url(); }

  // The admin endpoint: method "POST"/"PUT"/"DELETE" on /_ferry/faults. Returns the HTTP status
  // (0 when the request failed).
  int Faults(const std::string& method, const std::string& body = "");

 private:
  std::unique_ptr<test::SandboxProcess> process_;
};

struct RigOptions {
  std::string owner = "engine-1";
  std::string delegate_id = "embedded";
  Duration engine_lease = std::chrono::seconds(30);
  Duration task_lease = std::chrono::seconds(30);
  Duration heartbeat = std::chrono::seconds(10);
  aws::RetryOptions retry;  // the aws clients' retry policy
  bool run_loops = true;    // start the engine and delegate threads at Open
};

// What `ferry server` holds in-process (see the file comment).
class Rig {
 public:
  Rig() = default;
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;
  ~Rig() { StopLoops(); }

  Status Open(const std::string& sandbox_url, const std::string& data_dir, RigOptions options);
  void StartLoops();
  void StopLoops();

  store::Store& store() { return *store_; }
  engine::Engine& engine() { return *engine_; }
  // The Lambda API of the sandbox, through the same provider the delegate uses.
  delegate::LambdaApi& lambda();

  // Polls the store until the execution is terminal or `timeout` passes (then the last state).
  Result<store::ExecutionRecord> WaitTerminal(const std::string& id,
                                              Duration timeout = std::chrono::seconds(120));
  // Polls until pred(execution) holds; false on timeout.
  bool WaitFor(const std::string& id,
               const std::function<bool(const store::ExecutionRecord&)>& pred,
               Duration timeout = std::chrono::seconds(60));

 private:
  std::string sandbox_url_;
  SystemClock clock_;
  RandomIdGenerator ids_{clock_};
  test::StaticCredentials credentials_;
  std::unique_ptr<aws::RateLimiterRegistry> limiters_;
  aws::RetryQuota retry_quota_;
  std::unique_ptr<aws::CurlTransport> curl_;
  std::unique_ptr<delegate::AwsLambdaApiProvider> provider_;
  std::unique_ptr<delegate::LambdaTaskHandler> handler_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<engine::EmbeddedTransport> transport_;
  engine::StepRegistry steps_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<delegate::DelegateAgent> agent_;
  std::jthread engine_thread_;
  std::jthread agent_thread_;
};

// A deployment of `functions` (each with alias "dev") of shop/orders to dev, code from `zip`.
engine::testing::DeployRequest DeployOf(const std::string& sandbox_url,
                                        const std::vector<std::string>& functions,
                                        const std::string& zip);

// A python handler zip whose code is unique for `tag`.
std::string ZipFor(const std::string& tag);

// Every store::ExecutionRecord field a failure message needs.
std::string Describe(const store::ExecutionRecord& e);

// The step errors and log lines of an execution, for failure messages.
std::string History(store::Store& store, const std::string& execution_id);

// Runs `aws` (the AWS CLI) against the sandbox; returns its exit status.
int AwsCli(const std::string& sandbox_url, const std::string& args);

// The version each alias of `function` points at ({} when the function does not exist), and the
// CodeSha256 of every published version.
struct FunctionView {
  bool exists = false;
  std::string latest_sha;                           // $LATEST's CodeSha256
  std::map<std::string, std::string> aliases;       // alias → version
  std::map<std::string, std::string> version_shas;  // version → CodeSha256
};
Result<FunctionView> View(delegate::LambdaApi& lambda, const std::string& function);

// The suite's invariants after `executions` (ids in start order, one service) deployed
// `functions`; returns the problems found (empty when all hold):
//   - every execution ended in one of `allowed`;
//   - for every function, every alias points exactly at the version the last succeeded
//     execution's deployment record names (and the function has no alias when no execution
//     succeeded and it did not exist before);
//   - the version a succeeded record names exists and holds the recorded CodeSha256;
//   - no two published versions of a function hold the same CodeSha256 (no code was published
//     twice: the suite never changes configuration).
std::vector<std::string> CheckInvariants(Rig& rig, const std::vector<std::string>& executions,
                                         const std::vector<std::string>& functions,
                                         const std::set<store::ExecutionStatus>& allowed);

}  // namespace ferry::faults
