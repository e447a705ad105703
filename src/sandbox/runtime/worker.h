// One handler worker process: a python3 or node interpreter running the embedded bootstrap in a
// function's code directory, fed invocations over pipes (fd 3 in, fd 4 out; "<len>\n<JSON>"
// frames). The worker's own stdout/stderr go to a log file next to the code (for crashes).
//
// Not thread-safe: a worker serves one invocation at a time; the pool hands it to one caller.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace ferry::sandbox::runtime {

struct WorkerLaunch {
  std::string program;              // "/usr/bin/python3" or "/usr/bin/node"
  std::filesystem::path bootstrap;  // the bootstrap script
  std::filesystem::path code_dir;   // cwd and LAMBDA_TASK_ROOT
  std::filesystem::path log_file;   // the process's own stdout/stderr
  std::map<std::string, std::string> environment;
};

enum class WorkerResult { kReplied, kTimedOut, kCrashed };

class Worker {
 public:
  // kUnavailable when the process cannot be started.
  static Result<std::unique_ptr<Worker>> Start(const WorkerLaunch& launch);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Sends one request frame and waits for the reply until deadline. kTimedOut and kCrashed
  // leave the worker dead (the process is killed and reaped).
  WorkerResult Call(const std::string& request, std::chrono::steady_clock::time_point deadline,
                    std::string& reply);
  bool alive() const { return pid_ > 0; }
  // Peak resident memory of the process (VmHWM), in MB; 0 when it is gone.
  int MaxRssMb() const;
  // For crash messages: "exit status 1" / "signal: killed".
  std::string exit_description() const { return exit_description_; }

 private:
  Worker(pid_t pid, int to_child, int from_child) : pid_(pid), to_(to_child), from_(from_child) {}
  void Kill();

  pid_t pid_;
  int to_;
  int from_;
  std::string buffer_;
  std::string exit_description_;
};

}  // namespace ferry::sandbox::runtime
