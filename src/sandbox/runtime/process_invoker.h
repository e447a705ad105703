// The Invoker that runs handlers in warm worker processes (python3.x with /usr/bin/python3,
// nodejs* with node). Per function version and configuration a pool of workers is started on
// first use and reused after; it grows with concurrent load up to `max_workers_per_function`,
// and a request that finds every worker busy waits for one until the function's timeout, then is
// throttled. A timed-out worker is killed and replaced on the next invocation. Code is unzipped
// once per CodeSha256 under work_dir/code/.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "sandbox/runtime/invoker.h"
#include "sandbox/runtime/worker.h"

namespace ferry::sandbox::runtime {

struct ProcessInvokerOptions {
  std::filesystem::path work_dir;  // code/, bootstrap files, worker logs
  std::string python = "/usr/bin/python3";
  std::string node = "node";  // resolved on PATH when not absolute
  int max_workers_per_function = 8;
  int max_workers_total = 64;
};

class ProcessInvoker final : public Invoker {
 public:
  // Writes the embedded bootstraps into work_dir. kUnavailable when work_dir is unusable.
  static Result<std::unique_ptr<ProcessInvoker>> Create(ProcessInvokerOptions options);
  ~ProcessInvoker() override;

  Result<InvokeOutcome> Invoke(const FunctionSpec& spec, const std::string& payload,
                               const std::string& request_id,
                               const std::string& client_context) override;
  void Retire(const std::string& account_id, const std::string& region,
              const std::string& function_name) override;

  // Live worker processes (for tests and health).
  int worker_count() const;

 private:
  struct Pool {
    std::string function_key;  // account/region/name
    std::vector<std::unique_ptr<Worker>> idle;
    int running = 0;       // started and not yet destroyed (idle + busy)
    bool retired = false;  // a newer configuration replaced it; workers end when released
  };
  explicit ProcessInvoker(ProcessInvokerOptions options) : options_(std::move(options)) {}
  Result<std::filesystem::path> CodeDir(const FunctionSpec& spec);
  Result<std::unique_ptr<Worker>> StartWorker(const FunctionSpec& spec,
                                              const std::filesystem::path& code_dir);
  Result<std::unique_ptr<Worker>> Acquire(const FunctionSpec& spec,
                                          std::chrono::steady_clock::time_point deadline);
  void Release(const std::string& config_key, std::unique_ptr<Worker> worker);

  const ProcessInvokerOptions options_;
  std::string node_path_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Pool> pools_;  // Guarded by mu_; by FunctionSpec::config_key.
  int total_running_ = 0;              // Guarded by mu_.
  std::mutex code_mu_;                 // serialises unzipping
  uint64_t next_worker_ = 0;           // Guarded by mu_.
};

}  // namespace ferry::sandbox::runtime
