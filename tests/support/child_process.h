// ChildProcess: one process a test runs (`ferry` itself, s3rver, the zip tool, a shell), with
// stdout and stderr captured.
//
//   auto r = ChildProcess::Run({"version"});                 // `ferry version` to completion
//   auto child = ChildProcess::Spawn({"sandbox", "--port", "0"});
//   auto url = child->WaitForLine("ferry sandbox listening on ");  // nullopt after 60 s
//
// Every child is the leader of its own process group. The destructor sends SIGTERM, waits up to
// 10 s, then SIGKILLs the group, so workers the child started go too; Kill() SIGKILLs the group
// at once (crash tests), Terminate() stops it gracefully and returns the exit status. Stdout and
// stderr are drained by background threads, so a child never blocks on a full pipe. Stdin is
// /dev/null.
//
// A child that cannot be started (fork failed, the program does not exist or is not executable)
// exits 127 with the reason on its stderr, so diagnostics() always says what went wrong.
//
// POSIX. Not thread-safe, except output(), error_output(), diagnostics() and the WaitFor*
// methods, which may be called from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ferry::test {

// The `ferry` executable under test: $FERRY_BINARY, else $FERRY_BINARY_DIR/apps/ferry/ferry
// (tests/support/test_main.cc sets FERRY_BINARY_DIR to the build directory).
std::string FerryBinary();

// The absolute path of `program` found on $PATH as execvp would, or "" when there is none.
std::string FindOnPath(const std::string& program);

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the parent's; "" unsets
  std::string cwd;                         // "" = the parent's
  bool stderr_to_stdout = false;           // one stream, in the order the child wrote it
};

class ChildProcess {
 public:
  using seconds = std::chrono::seconds;

  // Starts FerryBinary() with `args` when args[0] is not an absolute path, else args as given.
  static std::unique_ptr<ChildProcess> Spawn(std::vector<std::string> args,
                                             const ProcessOptions& options = {});

  // Runs a command to completion, SIGKILLing its group after `timeout`.
  struct Outcome {
    int exit_code = -1;  // 128 + signal when killed by one; -1: did not finish in time
    std::string out;
    std::string err;
  };
  static Outcome Run(std::vector<std::string> args, const ProcessOptions& options = {},
                     seconds timeout = seconds(120));

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // False when fork failed.
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Everything written to stdout / stderr so far.
  std::string output() const;
  std::string error_output() const;
  // The command line and both streams, for assertion messages.
  std::string diagnostics() const;

  // Waits until a complete stdout line starts with `prefix` and returns the rest of it (without
  // the line end); nullopt when the deadline passes or stdout closes first.
  std::optional<std::string> WaitForLine(const std::string& prefix, seconds timeout = seconds(60));
  // Waits until both streams closed (the process and every holder of its pipes exited).
  bool WaitForOutputEnd(seconds timeout);

  // Waits up to `timeout` for the process to exit; its exit code (128 + signal when killed).
  // Once it exited, the rest of its process group is SIGKILLed.
  std::optional<int> Wait(seconds timeout);
  // Sends `sig` to the process (not the group) and waits; nullopt on timeout.
  std::optional<int> Terminate(int sig = SIGTERM, seconds timeout = seconds(15));
  // SIGKILL of the whole process group, reaped at once.
  void Kill();

 private:
  ChildProcess(const std::vector<std::string>& args, const ProcessOptions& options);
  void Drain(int fd, std::string& sink, bool& closed);
  void JoinReaders();

  std::string command_;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::optional<int> exit_code_;
  std::thread out_reader_;
  std::thread err_reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  std::string out_;
  std::string err_;
  bool out_closed_ = false;
  bool err_closed_ = false;
};

}  // namespace ferry::test
