// ChildProcess: runs a real server process for a test (s3rver, ferry sandbox), reads its stdout
// until a line announces where it listens, and kills it (SIGTERM, then SIGKILL) on destruction.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace ferry::aws::test_support {

class ChildProcess {
 public:
  // Starts argv (argv[0] looked up on PATH) and waits up to `timeout` for stdout to contain
  // `marker` followed by a word and a line end; that word becomes ready_match() (e.g. marker
  // "listening on " gives "http://127.0.0.1:4566"). started() says whether it did.
  ChildProcess(const std::vector<std::string>& argv, const std::string& marker,
               std::chrono::seconds timeout = std::chrono::seconds(30)) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      setpgid(0, 0);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string buffer;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_fd_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char chunk[4096];
      const ssize_t n = read(out_fd_, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      output_ += std::string(chunk, static_cast<size_t>(n));
      const size_t at = buffer.find(marker);
      const size_t end = at == std::string::npos ? at : buffer.find('\n', at);
      if (end != std::string::npos) {
        const std::string word = buffer.substr(at + marker.size(), end - at - marker.size());
        ready_match_ = word.substr(0, word.find_first_of(" \t\r"));
        started_ = true;
        break;
      }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 50; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        usleep(100'000);
      }
      if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
    }
    if (out_fd_ >= 0) close(out_fd_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return started_; }
  const std::string& ready_match() const { return ready_match_; }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool started_ = false;
  std::string ready_match_;
  std::string output_;
};

}  // namespace ferry::aws::test_support
