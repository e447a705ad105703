#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

extern char** environ;

namespace ferry::test {
namespace {

std::optional<std::string> FindLine(const std::string& text, const std::string& prefix) {
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) return std::nullopt;  // incomplete line
    if (text.compare(start, prefix.size(), prefix) == 0) {
      std::string rest = text.substr(start + prefix.size(), end - start - prefix.size());
      if (!rest.empty() && rest.back() == '\r') rest.pop_back();
      return rest;
    }
    start = end + 1;
  }
  return std::nullopt;
}

// The parent's environment with `changes` applied ("" unsets), as "KEY=VALUE" strings.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [key, value] : changes) {
    if (value.empty()) {
      env.erase(key);
    } else {
      env[key] = value;
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Async-signal-safe: only write(2).
void WriteAll(int fd, const char* text, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, text, size);
    if (n <= 0) return;
    text += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string FerryBinary() {
  if (const char* b = std::getenv("FERRY_BINARY"); b != nullptr && *b != '\0') return b;
  const char* dir = std::getenv("FERRY_BINARY_DIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : ".") + "/apps/ferry/ferry";
}

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      if (candidate[0] != '/') {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd) != nullptr) candidate = std::string(cwd) + "/" + candidate;
      }
      return candidate;
    }
    start = end + 1;
  }
  return "";
}

std::unique_ptr<ChildProcess> ChildProcess::Spawn(std::vector<std::string> args,
                                                  const ProcessOptions& options) {
  if (args.empty() || args[0].empty() || args[0][0] != '/') {
    args.insert(args.begin(), FerryBinary());
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(args, options));
}

ChildProcess::Outcome ChildProcess::Run(std::vector<std::string> args,
                                        const ProcessOptions& options, seconds timeout) {
  auto child = Spawn(std::move(args), options);
  Outcome outcome;
  std::optional<int> code = child->Wait(timeout);
  if (!code) child->Kill();
  child->WaitForOutputEnd(seconds(10));
  outcome.exit_code = code.value_or(-1);
  outcome.out = child->output();
  outcome.err = child->error_output();
  return outcome;
}

ChildProcess::ChildProcess(const std::vector<std::string>& args, const ProcessOptions& options) {
  for (const auto& a : args) command_ += (command_.empty() ? "" : " ") + a;
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<std::string> env_strings = ChildEnvironment(options.env);
  std::vector<char*> envp = Pointers(env_strings);
  std::vector<std::string> argv_strings = args;
  std::vector<char*> argv = Pointers(argv_strings);
  const std::string exec_failed = "ChildProcess: cannot execute " + args[0] + ": errno ";
  const std::string chdir_failed = "ChildProcess: cannot change directory to " + options.cwd + "\n";

  int out[2];
  int err[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) return;
  if (!options.stderr_to_stdout && ::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return;
  }
  const int err_write = options.stderr_to_stdout ? out[1] : err[1];
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err_write, STDERR_FILENO);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      WriteAll(STDERR_FILENO, chdir_failed.data(), chdir_failed.size());
      ::_exit(126);
    }
    ::execve(argv[0], argv.data(), envp.data());
    // errno as decimal digits without allocating.
    char digits[16];
    int n = 0;
    for (int e = errno; n == 0 || e > 0; e /= 10) digits[n++] = static_cast<char>('0' + e % 10);
    WriteAll(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    while (n > 0) WriteAll(STDERR_FILENO, &digits[--n], 1);
    WriteAll(STDERR_FILENO, "\n", 1);
    ::_exit(127);
  }
  ::close(out[1]);
  if (err[1] >= 0) ::close(err[1]);
  if (pid_ < 0) {
    ::close(out[0]);
    if (err[0] >= 0) ::close(err[0]);
    err_ = "ChildProcess: fork failed: " + std::string(std::strerror(errno)) + "\n";
    out_closed_ = err_closed_ = true;
    return;
  }
  ::setpgid(pid_, pid_);  // also from the parent: no race with an early kill(-pid)
  out_reader_ = std::thread([this, fd = out[0]] { Drain(fd, out_, out_closed_); });
  if (err[0] >= 0) {
    err_reader_ = std::thread([this, fd = err[0]] { Drain(fd, err_, err_closed_); });
  } else {
    err_closed_ = true;
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGTERM);
    if (!Wait(seconds(10)).has_value()) Kill();
  }
  JoinReaders();
}

std::string ChildProcess::output() const {
  std::lock_guard lock(mu_);
  return out_;
}

std::string ChildProcess::error_output() const {
  std::lock_guard lock(mu_);
  return err_;
}

std::string ChildProcess::diagnostics() const {
  std::lock_guard lock(mu_);
  return "--- command ---\n" + command_ + "\n--- stdout ---\n" + out_ + "--- stderr ---\n" + err_;
}

std::optional<std::string> ChildProcess::WaitForLine(const std::string& prefix, seconds timeout) {
  std::unique_lock lock(mu_);
  std::optional<std::string> found;
  cv_.wait_for(lock, timeout, [&] {
    found = FindLine(out_, prefix);
    return found.has_value() || out_closed_;
  });
  if (!found) found = FindLine(out_, prefix);
  return found;
}

bool ChildProcess::WaitForOutputEnd(seconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return out_closed_ && err_closed_; });
}

std::optional<int> ChildProcess::Wait(seconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (exited_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // Workers the child left behind in its group go too.
      ::kill(-pid_, SIGKILL);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    // waitpid has no timeout: poll it.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<int> ChildProcess::Terminate(int sig, seconds timeout) {
  if (pid_ <= 0 || exited_) return exit_code_;
  ::kill(pid_, sig);
  return Wait(timeout);
}

void ChildProcess::Kill() {
  if (pid_ <= 0 || exited_) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  Wait(seconds(30));
}

void ChildProcess::Drain(int fd, std::string& sink, bool& closed) {
  char chunk[8192];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(mu_);
    if (n <= 0) {
      closed = true;
      cv_.notify_all();
      break;
    }
    sink.append(chunk, static_cast<size_t>(n));
    cv_.notify_all();
  }
  ::close(fd);
}

void ChildProcess::JoinReaders() {
  // Readers end when every holder of the pipes' write ends is gone; the group kill in Wait makes
  // sure grandchildren (handler workers) are too.
  if (out_reader_.joinable()) out_reader_.join();
  if (err_reader_.joinable()) err_reader_.join();
}

}  // namespace ferry::test
