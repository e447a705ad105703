#include "sandbox/runtime/process_invoker.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/runtime/unzip.h"
#include "sandbox/snapshot.h"

extern const unsigned char ferry_sandbox_bootstrap_py[];
extern const size_t ferry_sandbox_bootstrap_py_size;
extern const unsigned char ferry_sandbox_bootstrap_js[];
extern const size_t ferry_sandbox_bootstrap_js_size;

namespace ferry::sandbox::runtime {
namespace {

enum class Language { kPython, kNode, kUnsupported };

Language LanguageOf(const std::string& runtime) {
  if (runtime.rfind("python3", 0) == 0) return Language::kPython;
  if (runtime.rfind("nodejs", 0) == 0) return Language::kNode;
  return Language::kUnsupported;
}

std::string FindOnPath(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  for (const std::string& dir : Split(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "/usr/bin/" + program;
}

std::string Seconds2(int seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%d.00", seconds);
  return buf;
}

std::string Ms2(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", ms);
  return buf;
}

}  // namespace

Result<std::unique_ptr<ProcessInvoker>> ProcessInvoker::Create(ProcessInvokerOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.work_dir / "code", ec);
  if (ec) return Unavailable("cannot create " + options.work_dir.string() + ": " + ec.message());
  FERRY_RETURN_IF_ERROR(
      WriteFileAtomically(options.work_dir / "bootstrap.py",
                          std::string(reinterpret_cast<const char*>(ferry_sandbox_bootstrap_py),
                                      ferry_sandbox_bootstrap_py_size)));
  FERRY_RETURN_IF_ERROR(
      WriteFileAtomically(options.work_dir / "bootstrap.js",
                          std::string(reinterpret_cast<const char*>(ferry_sandbox_bootstrap_js),
                                      ferry_sandbox_bootstrap_js_size)));
  auto invoker = std::unique_ptr<ProcessInvoker>(new ProcessInvoker(std::move(options)));
  invoker->node_path_ = FindOnPath(invoker->options_.node);
  return invoker;
}

ProcessInvoker::~ProcessInvoker() {
  std::lock_guard lock(mu_);
  pools_.clear();
}

int ProcessInvoker::worker_count() const {
  std::lock_guard lock(mu_);
  return total_running_;
}

Result<std::filesystem::path> ProcessInvoker::CodeDir(const FunctionSpec& spec) {
  std::filesystem::path dir = options_.work_dir / "code" / spec.code_sha256_hex;
  std::lock_guard lock(code_mu_);
  if (std::filesystem::exists(dir)) return dir;
  FERRY_ASSIGN_OR_RETURN(std::string zip, spec.load_code());
  Status extracted = ExtractZip(zip, dir);
  if (!extracted.ok()) {
    return Error{ErrorCode::kUnavailable,
                 "cannot unpack the function's code: " + extracted.error().message,
                 {}};
  }
  return dir;
}

Result<std::unique_ptr<Worker>> ProcessInvoker::StartWorker(const FunctionSpec& spec,
                                                            const std::filesystem::path& code_dir) {
  Language language = LanguageOf(spec.runtime);
  WorkerLaunch launch;
  launch.code_dir = code_dir;
  launch.memory_mb = spec.memory_mb;
  uint64_t n;
  {
    std::lock_guard lock(mu_);
    n = ++next_worker_;
  }
  launch.log_file = options_.work_dir / ("worker-" + std::to_string(n % 64) + ".log");
  std::map<std::string, std::string>& env = launch.environment;
  env = spec.environment;
  const char* path = std::getenv("PATH");
  env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  env["LANG"] = "en_US.UTF-8";
  env["TZ"] = ":UTC";
  env["LAMBDA_TASK_ROOT"] = code_dir.string();
  env["LAMBDA_RUNTIME_DIR"] = options_.work_dir.string();
  env["_HANDLER"] = spec.handler;
  env["AWS_REGION"] = spec.region;
  env["AWS_DEFAULT_REGION"] = spec.region;
  env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + spec.runtime;
  env["AWS_LAMBDA_FUNCTION_NAME"] = spec.function_name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = spec.version;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(spec.memory_mb);
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + spec.function_name;
  env["AWS_LAMBDA_LOG_STREAM_NAME"] =
      FormatRfc3339(std::chrono::system_clock::now()).substr(0, 10) + "/[" + spec.version + "]" +
      std::to_string(n);
  if (language == Language::kPython) {
    launch.program = options_.python;
    launch.bootstrap = options_.work_dir / "bootstrap.py";
    env["PYTHONUNBUFFERED"] = "1";
    env["PYTHONDONTWRITEBYTECODE"] = "1";
  } else {
    launch.program = node_path_;
    launch.bootstrap = options_.work_dir / "bootstrap.js";
    env["NODE_PATH"] = code_dir.string() + "/node_modules";
  }
  return Worker::Start(launch);
}

Result<std::unique_ptr<Worker>> ProcessInvoker::Acquire(
    const FunctionSpec& spec, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  std::string function_key = spec.account_id + "/" + spec.region + "/" + spec.function_name;
  // Workers of an older configuration of this function+version are retired.
  for (auto it = pools_.begin(); it != pools_.end();) {
    bool same_version = it->second.function_key == function_key &&
                        it->first.rfind(spec.function_name + "#" + spec.version + "#", 0) == 0;
    if (same_version && it->first != spec.config_key) {
      total_running_ -= static_cast<int>(it->second.idle.size());
      it->second.running -= static_cast<int>(it->second.idle.size());
      it->second.idle.clear();
      it->second.retired = true;
      if (it->second.running == 0) {
        it = pools_.erase(it);
        continue;
      }
    }
    ++it;
  }
  while (true) {
    // Looked up each round: Retire may erase the pool while this thread waits.
    Pool& pool = pools_[spec.config_key];
    pool.function_key = function_key;
    if (!pool.idle.empty()) {
      auto worker = std::move(pool.idle.back());
      pool.idle.pop_back();
      if (worker->alive()) return worker;
      --pool.running;
      --total_running_;
      continue;
    }
    if (pool.running < options_.max_workers_per_function &&
        total_running_ < options_.max_workers_total) {
      ++pool.running;
      ++total_running_;
      lock.unlock();
      auto code_dir = CodeDir(spec);
      Result<std::unique_ptr<Worker>> worker =
          code_dir.ok() ? StartWorker(spec, *code_dir)
                        : Result<std::unique_ptr<Worker>>(code_dir.error());
      lock.lock();
      if (!worker.ok()) {
        --pools_[spec.config_key].running;
        --total_running_;
        cv_.notify_all();
      }
      return worker;
    }
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return Error{ErrorCode::kTooManyRequests, "every worker of the function is busy", {}};
    }
  }
}

void ProcessInvoker::Release(const std::string& config_key, std::unique_ptr<Worker> worker) {
  std::lock_guard lock(mu_);
  auto it = pools_.find(config_key);
  if (it == pools_.end()) {
    --total_running_;
  } else if (worker->alive() && !it->second.retired) {
    it->second.idle.push_back(std::move(worker));
  } else {
    --it->second.running;
    --total_running_;
    if (it->second.retired && it->second.running == 0) pools_.erase(it);
  }
  cv_.notify_all();
}

void ProcessInvoker::Retire(const std::string& account_id, const std::string& region,
                            const std::string& function_name) {
  std::string function_key = account_id + "/" + region + "/" + function_name;
  std::lock_guard lock(mu_);
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (it->second.function_key == function_key) {
      total_running_ -= static_cast<int>(it->second.idle.size());
      it->second.running -= static_cast<int>(it->second.idle.size());
      it->second.idle.clear();
      it->second.retired = true;
      // Busy workers are counted down by Release when they come back.
      if (it->second.running == 0) {
        it = pools_.erase(it);
        continue;
      }
      ++it;
    } else {
      ++it;
    }
  }
  cv_.notify_all();
}

Result<InvokeOutcome> ProcessInvoker::Invoke(const FunctionSpec& spec, const std::string& payload,
                                             const std::string& request_id,
                                             const std::string& client_context) {
  if (LanguageOf(spec.runtime) == Language::kUnsupported) {
    return InvalidArgument("The sandbox cannot run runtime " + spec.runtime +
                           " (it runs python3.x and nodejs runtimes)");
  }
  auto timeout = std::chrono::seconds(spec.timeout_seconds);
  auto start = std::chrono::steady_clock::now();
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Worker> worker, Acquire(spec, start + timeout));
  auto began = std::chrono::steady_clock::now();
  auto deadline = began + timeout;
  auto wall_deadline = std::chrono::system_clock::now() + timeout;
  Json request = {{"request_id", request_id},
                  {"payload", payload},
                  {"deadline_ms", ToUnixMillis(wall_deadline)},
                  {"function_arn", spec.function_arn},
                  {"client_context", client_context}};
  std::string reply_text;
  WorkerResult result = worker->Call(DumpJson(request), deadline, reply_text);
  double duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();
  std::string exit_description = worker->exit_description();
  int max_rss_mb = worker->MaxRssMb();
  Release(spec.config_key, std::move(worker));

  InvokeOutcome outcome;
  outcome.duration_ms = duration_ms;
  std::string body_logs;
  if (result == WorkerResult::kReplied) {
    auto reply = ParseJson(reply_text, JsonLimits{64u * 1024u * 1024u, 512});
    if (!reply.ok() || !reply->is_object()) {
      outcome.function_error = true;
      outcome.payload =
          DumpJson(Json{{"errorType", "Runtime.InvalidResponse"},
                        {"errorMessage", "RequestId: " + request_id +
                                             " Error: the runtime sent a malformed reply"}});
    } else {
      body_logs = reply->value("logs", "");
      if (reply->value("ok", false)) {
        outcome.payload = reply->value("result", "null");
      } else {
        outcome.function_error = true;
        outcome.payload = DumpJson(reply->value("error", Json::object()));
      }
    }
  } else if (result == WorkerResult::kTimedOut) {
    outcome.timed_out = true;
    outcome.function_error = true;
    std::string message = "Task timed out after " + Seconds2(spec.timeout_seconds) + " seconds";
    outcome.payload =
        DumpJson(Json{{"errorType", "Sandbox.Timedout"},
                      {"errorMessage", "RequestId: " + request_id + " Error: " + message}});
    body_logs =
        FormatRfc3339(std::chrono::system_clock::now()) + " " + request_id + " " + message + "\n";
  } else {
    outcome.function_error = true;
    std::string message = "Runtime exited with error: " + exit_description;
    outcome.payload =
        DumpJson(Json{{"errorType", "Runtime.ExitError"},
                      {"errorMessage", "RequestId: " + request_id + " Error: " + message}});
    body_logs = "RequestId: " + request_id + " Error: " + message + "\n";
  }
  int billed = static_cast<int>(duration_ms + 0.999);
  outcome.logs = "START RequestId: " + request_id + " Version: " + spec.version + "\n" + body_logs +
                 "END RequestId: " + request_id + "\n" + "REPORT RequestId: " + request_id +
                 "\tDuration: " + Ms2(duration_ms) +
                 " ms\tBilled Duration: " + std::to_string(billed) +
                 " ms\tMemory Size: " + std::to_string(spec.memory_mb) +
                 " MB\tMax Memory Used: " + std::to_string(max_rss_mb) + " MB\t\n";
  return outcome;
}

}  // namespace ferry::sandbox::runtime
