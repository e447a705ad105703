#include "sandbox/runtime/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/strings.h"

namespace ferry::sandbox::runtime {
namespace {

void CloseIfOpen(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Worker>> Worker::Start(const WorkerLaunch& launch) {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0)
    return Unavailable("pipe: " + std::string(std::strerror(errno)));
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return Unavailable("pipe: " + std::string(std::strerror(errno)));
  }
  int log_fd = ::open(launch.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> args = {launch.program, launch.bootstrap.string()};
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : launch.environment) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd = launch.code_dir.string();

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1], log_fd, null_fd}) {
      if (fd >= 0) ::close(fd);
    }
    return Unavailable("fork: " + std::string(std::strerror(err)));
  }
  if (pid == 0) {
    // Child: fds 0..4 are set up with dup2 (which clears O_CLOEXEC on the copies).
    int in = ::dup(to_child[0]);
    int out = ::dup(from_child[1]);
    ::dup2(null_fd >= 0 ? null_fd : 0, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    ::dup2(in, 3);
    ::dup2(out, 4);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::setpgid(0, 0);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  ::signal(SIGPIPE, SIG_IGN);
  return std::unique_ptr<Worker>(new Worker(pid, to_child[1], from_child[0]));
}

Worker::~Worker() { Kill(); }

int Worker::MaxRssMb() const {
  if (pid_ <= 0) return 0;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid_) + "/status").c_str(), "r");
  if (f == nullptr) return 0;
  char line[256];
  long kb = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return static_cast<int>((kb + 1023) / 1024);
}

void Worker::Kill() {
  CloseIfOpen(to_);
  CloseIfOpen(from_);
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);  // the process group: the handler may have spawned children
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    if (exit_description_.empty()) {
      exit_description_ = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal: killed";
    }
    pid_ = -1;
  }
}

WorkerResult Worker::Call(const std::string& request,
                          std::chrono::steady_clock::time_point deadline, std::string& reply) {
  if (pid_ <= 0) return WorkerResult::kCrashed;
  if (!WriteAll(to_, std::to_string(request.size()) + "\n" + request)) {
    Kill();
    return WorkerResult::kCrashed;
  }
  char chunk[64 * 1024];
  while (true) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      auto size = ParseInt(std::string_view(buffer_).substr(0, nl));
      if (!size || *size < 0) {
        Kill();
        return WorkerResult::kCrashed;
      }
      size_t need = nl + 1 + static_cast<size_t>(*size);
      if (buffer_.size() >= need) {
        reply = buffer_.substr(nl + 1, static_cast<size_t>(*size));
        buffer_.erase(0, need);
        return WorkerResult::kReplied;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      exit_description_ = "timed out";
      Kill();
      return WorkerResult::kTimedOut;
    }
    int wait_ms =
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) +
        1;
    pollfd pfd{from_, POLLIN, 0};
    int rc = ::poll(&pfd, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;
    ssize_t n = ::read(from_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      CloseIfOpen(to_);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      exit_description_ = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal: " + std::string(strsignal(WTERMSIG(status)));
      pid_ = -1;
      CloseIfOpen(from_);
      return WorkerResult::kCrashed;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace ferry::sandbox::runtime
