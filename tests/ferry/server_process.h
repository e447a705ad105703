// Test helpers that run the real `ferry` binary as child processes: `ferry server`,
// `ferry sandbox`, `ferry up` and one-shot commands (`ferry token create`, the CLI).
//
//   ferry::test::TempDir dir;
//   auto sandbox = ferry::test::SandboxProcess::Start(dir.Sub("sandbox"));
//   auto server = ferry::test::ServerProcess::Start(dir.Sub("data"), {.env = SandboxAwsEnv()});
//   ASSERT_TRUE(server->ok()) << server->diagnostics();
//   server->url();    // "http://127.0.0.1:PORT" (from "ferry server listening on ...")
//   server->token();  // a fresh "fry_..." token created with `ferry token create`
//
// Every process is its own process group; the destructor sends SIGTERM, waits up to 10 s, then
// SIGKILLs the group (handler workers included). Kill() is a SIGKILL of the group at once (crash
// tests), Terminate() a graceful stop returning the exit status. Stdout and stderr are drained by
// background threads, so a child never blocks on a full pipe; output() / error_output() return
// what arrived so far.
//
// The binary is $FERRY_BINARY, else $FERRY_BINARY_DIR/apps/ferry/ferry (tests/support/
// test_main.cc sets FERRY_BINARY_DIR to the build directory).
//
// Header-only, POSIX; not thread-safe except where noted (output accessors are).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace ferry::test {

using std::chrono::seconds;

// The `ferry` executable under test.
inline std::string FerryBinary() {
  if (const char* b = std::getenv("FERRY_BINARY"); b != nullptr && *b != '\0') return b;
  const char* dir = std::getenv("FERRY_BINARY_DIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : ".") + "/apps/ferry/ferry";
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/ferry-e2e-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The AWS environment a child needs to talk to a sandbox with its default account (test/test,
// us-east-1), without ever reaching a real credential source or IMDS.
inline std::map<std::string, std::string> SandboxAwsEnv() {
  return {{"AWS_ACCESS_KEY_ID", "test"},
          {"AWS_SECRET_ACCESS_KEY", "test"},
          {"AWS_SESSION_TOKEN", ""},
          {"AWS_DEFAULT_REGION", "us-east-1"},
          {"AWS_REGION", "us-east-1"},
          {"AWS_EC2_METADATA_DISABLED", "true"},
          {"AWS_PROFILE", ""},
          {"AWS_CONFIG_FILE", "/dev/null"},
          {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"}};
}

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) the parent's; "" unsets
  std::string cwd;                         // "" = the parent's
};

// One child process with captured stdout/stderr.
class ChildProcess {
 public:
  // Starts FerryBinary() with `args` when args[0] is not an absolute path, else args as given.
  // started() is false when fork/exec failed (the reason is in error_output()).
  static std::unique_ptr<ChildProcess> Spawn(std::vector<std::string> args,
                                             const ProcessOptions& options = {}) {
    if (args.empty() || args[0].empty() || args[0][0] != '/') {
      args.insert(args.begin(), FerryBinary());
    }
    return std::unique_ptr<ChildProcess>(new ChildProcess(args, options));
  }

  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGTERM);
      if (!Wait(seconds(10)).has_value()) Kill();
    }
    JoinReaders();
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Thread-safe: everything written to stdout / stderr so far.
  std::string output() const {
    std::lock_guard lock(mu_);
    return out_;
  }
  std::string error_output() const {
    std::lock_guard lock(mu_);
    return err_;
  }
  // Both streams, for assertion messages.
  std::string diagnostics() const {
    std::lock_guard lock(mu_);
    return "--- stdout ---\n" + out_ + "--- stderr ---\n" + err_;
  }

  // Waits until a complete stdout line starts with `prefix` and returns it (without the prefix
  // and the line end); nullopt when the deadline passes or stdout closes first.
  std::optional<std::string> WaitForLine(const std::string& prefix, seconds timeout = seconds(60)) {
    std::unique_lock lock(mu_);
    std::optional<std::string> found;
    cv_.wait_for(lock, timeout, [&] {
      found = FindLine(out_, prefix);
      return found.has_value() || out_closed_;
    });
    if (!found) found = FindLine(out_, prefix);
    return found;
  }

  // Waits for stdout to close (the process exited or closed it).
  bool WaitForOutputEnd(seconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return out_closed_ && err_closed_; });
  }

  // Waits up to `timeout` for the process to exit; its exit code (128 + signal when killed).
  std::optional<int> Wait(seconds timeout) {
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
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // SIGTERM (or `sig`) to the process; waits for it; its exit code, nullopt on timeout.
  std::optional<int> Terminate(int sig = SIGTERM, seconds timeout = seconds(15)) {
    if (pid_ <= 0 || exited_) return exit_code_;
    ::kill(pid_, sig);
    return Wait(timeout);
  }

  // SIGKILL of the whole process group, reaped at once.
  void Kill() {
    if (pid_ <= 0 || exited_) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    Wait(seconds(30));
  }

  // Runs a one-shot command to completion (stdin is /dev/null).
  struct Outcome {
    int exit_code = -1;  // -1: did not finish in time (killed)
    std::string out;
    std::string err;
  };
  static Outcome Run(std::vector<std::string> args, const ProcessOptions& options = {},
                     seconds timeout = seconds(120)) {
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

 private:
  ChildProcess(const std::vector<std::string>& args, const ProcessOptions& options) {
    // Everything the child needs is prepared before fork (only async-signal-safe calls after).
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      const size_t eq = entry.find('=');
      if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : options.env) {
      if (v.empty()) {
        env.erase(k);
      } else {
        env[k] = v;
      }
    }
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings = args;
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    if (::pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    if (pid_ < 0) {
      ::close(out[0]);
      ::close(err[0]);
      err_ = "fork failed\n";
      return;
    }
    ::setpgid(pid_, pid_);  // also from the parent: no race with an early kill(-pid)
    out_reader_ = std::thread([this, fd = out[0]] { Drain(fd, out_, out_closed_); });
    err_reader_ = std::thread([this, fd = err[0]] { Drain(fd, err_, err_closed_); });
  }

  void Drain(int fd, std::string& sink, bool& closed) {
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

  void JoinReaders() {
    // Readers end when every holder of the pipes' write ends is gone; the group kill above makes
    // sure grandchildren (handler workers) are too.
    if (out_reader_.joinable()) out_reader_.join();
    if (err_reader_.joinable()) err_reader_.join();
  }

  static std::optional<std::string> FindLine(const std::string& text, const std::string& prefix) {
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

// `ferry token create NAME --data DIR`: the secret, or "" (with the reason in *error).
inline std::string CreateToken(const std::string& data_dir, const std::string& name,
                               std::string* error = nullptr) {
  auto r = ChildProcess::Run({"token", "create", name, "--data", data_dir});
  std::string secret = r.out;
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (r.exit_code != 0 || secret.rfind("fry_", 0) != 0 || secret.find('\n') != std::string::npos) {
    if (error != nullptr) {
      *error = "ferry token create exited " + std::to_string(r.exit_code) + "\nstdout: " + r.out +
               "\nstderr: " + r.err;
    }
    return "";
  }
  return secret;
}

// `ferry sandbox --port 0 --data DIR --update-delay D [extra...]`.
class SandboxProcess {
 public:
  static std::unique_ptr<SandboxProcess> Start(const std::string& data_dir,
                                               std::vector<std::string> extra = {},
                                               const std::string& update_delay = "100ms") {
    std::vector<std::string> args = {"sandbox", "--port", "0", "--update-delay", update_delay};
    if (!data_dir.empty()) {
      args.push_back("--data");
      args.push_back(data_dir);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::unique_ptr<SandboxProcess>(new SandboxProcess());
    p->child_ = ChildProcess::Spawn(args);
    if (auto url = p->child_->WaitForLine("ferry sandbox listening on ", seconds(60))) {
      p->url_ = *url;
    }
    return p;
  }
  bool ok() const { return !url_.empty(); }
  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  ChildProcess& process() { return *child_; }
  std::string diagnostics() const { return child_->diagnostics(); }

 private:
  SandboxProcess() = default;
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
};

struct ServerOptions {
  std::vector<std::string> extra_args;  // after `server --data DIR --port 0`
  std::map<std::string, std::string> env = SandboxAwsEnv();
  bool create_token = true;
  std::string token_name = "e2e";
};

// `ferry server --data DIR --port 0`, with a token created beforehand.
class ServerProcess {
 public:
  static std::unique_ptr<ServerProcess> Start(const std::string& data_dir,
                                              ServerOptions options = {}) {
    auto p = std::unique_ptr<ServerProcess>(new ServerProcess());
    p->data_dir_ = data_dir;
    p->options_ = std::move(options);
    std::filesystem::create_directories(data_dir);
    p->Launch();
    return p;
  }

  // Started, listening and (when asked) a token exists.
  bool ok() const { return !url_.empty() && (!options_.create_token || !token_.empty()); }
  const std::string& url() const { return url_; }
  const std::string& token() const { return token_; }
  const std::string& data_dir() const { return data_dir_; }
  ChildProcess& process() { return *child_; }
  std::string diagnostics() const { return problem_ + "\n" + child_->diagnostics(); }

  // SIGKILL (a crash), then a new process on the same data directory and port 0 (url() changes).
  void KillAndRestart() {
    child_->Kill();
    url_.clear();
    Launch();
  }
  // Graceful stop (SIGTERM); the exit code.
  std::optional<int> Stop() { return child_->Terminate(SIGTERM); }

 private:
  ServerProcess() = default;

  void Launch() {
    if (options_.create_token && token_.empty()) {
      token_ = CreateToken(data_dir_, options_.token_name, &problem_);
    }
    std::vector<std::string> args = {"server", "--data", data_dir_, "--port", "0"};
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    child_ = ChildProcess::Spawn(args, ProcessOptions{options_.env, ""});
    if (auto url = child_->WaitForLine("ferry server listening on ", seconds(60))) url_ = *url;
  }

  ServerOptions options_;
  std::string data_dir_;
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
  std::string token_;
  std::string problem_;
};

// The text up to the first blank ("http://127.0.0.1:8080  (the REST API)" → the URL).
inline std::string FirstWord(const std::string& text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find_first_of(" \t", start) - start);
}

// `ferry up --port 0 --sandbox-port 0 [--data DIR] [extra...]` in `cwd`: waits for the
// `api:`, `sandbox:` and `token:` lines.
class UpProcess {
 public:
  static std::unique_ptr<UpProcess> Start(const std::string& cwd,
                                          std::vector<std::string> extra = {},
                                          seconds timeout = seconds(120),
                                          std::map<std::string, std::string> env = {}) {
    auto p = std::unique_ptr<UpProcess>(new UpProcess());
    std::vector<std::string> args = {"up", "--port", "0", "--sandbox-port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    p->child_ = ChildProcess::Spawn(args, ProcessOptions{std::move(env), cwd});
    // The token line comes last of the three.
    if (p->child_->WaitForLine("token: ", timeout)) {
      p->api_ = FirstWord(p->child_->WaitForLine("api: ", seconds(1)).value_or(""));
      p->sandbox_ = FirstWord(p->child_->WaitForLine("sandbox: ", seconds(1)).value_or(""));
      p->token_ = FirstWord(p->child_->WaitForLine("token: ", seconds(1)).value_or(""));
    }
    return p;
  }
  bool ok() const { return !api_.empty() && !sandbox_.empty() && !token_.empty(); }
  const std::string& api_url() const { return api_; }
  const std::string& sandbox_url() const { return sandbox_; }
  const std::string& token() const { return token_; }
  ChildProcess& process() { return *child_; }
  std::string diagnostics() const { return child_->diagnostics(); }

 private:
  UpProcess() = default;
  std::unique_ptr<ChildProcess> child_;
  std::string api_, sandbox_, token_;
};

}  // namespace ferry::test
