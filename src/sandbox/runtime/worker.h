// One handler worker process: a python3 or node interpreter running the embedded bootstrap in a
// function's code directory, fed invocations over pipes (fd 3 in, fd 4 out; "<len>\n<JSON>"
// frames). The worker's own stdout/stderr go to a log file next to the code (for crashes).
//
// The interpreter runs under a small reaper process of its own (PR_SET_CHILD_SUBREAPER), so every
// process the handler starts stays its descendant even after a double fork and setsid; killing a
// worker SIGKILLs that whole tree (SIGTERM handlers and blocked signals do not matter). While an
// invocation runs, the resident memory of the tree is checked every 100 ms; past the function's
// MemorySize the tree is killed ("signal: killed", as Lambda reports it).
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
  int memory_mb = 0;  // the tree's resident memory limit while it runs; 0: none
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
  Worker(pid_t pid, pid_t handler_pid, int to_child, int from_child, int memory_mb)
      : pid_(pid),
        handler_pid_(handler_pid),
        to_(to_child),
        from_(from_child),
        memory_mb_(memory_mb) {}
  void Kill();
  void KillTree();  // SIGKILLs every descendant of the reaper, not the reaper

  pid_t pid_;          // the reaper
  pid_t handler_pid_;  // the interpreter (its child)
  int to_;
  int from_;
  int memory_mb_;
  std::string buffer_;
  std::string exit_description_;
};

}  // namespace ferry::sandbox::runtime
