#include "sandbox/runtime/worker.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

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

constexpr int kMemoryCheckMs = 100;

struct ProcessEntry {
  pid_t ppid = 0;
  bool zombie = false;
  long rss_pages = 0;
};

// Every process of the machine as /proc shows it now (pid -> parent, state, resident pages).
std::map<pid_t, ProcessEntry> ReadProcesses() {
  std::map<pid_t, ProcessEntry> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = ::readdir(dir)) {
    auto pid = ParseInt(e->d_name);
    if (!pid || *pid <= 0) continue;
    std::FILE* f = std::fopen(("/proc/" + std::string(e->d_name) + "/stat").c_str(), "r");
    if (f == nullptr) continue;
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // "pid (comm) state ppid ..." where comm may hold spaces and parentheses.
    const char* close = std::strrchr(buf, ')');
    if (close == nullptr) continue;
    char state = 0;
    int ppid = 0;
    // Fields after comm: state(3) ppid(4) ... rss(24).
    long skip = 0, rss = 0;
    unsigned long uskip = 0;
    int parsed = std::sscanf(close + 1,
                             " %c %d %ld %ld %ld %ld %lu %lu %lu %lu %lu %lu %lu %ld %ld %ld %ld "
                             "%ld %ld %lu %lu %ld",
                             &state, &ppid, &skip, &skip, &skip, &skip, &uskip, &uskip, &uskip,
                             &uskip, &uskip, &uskip, &uskip, &skip, &skip, &skip, &skip, &skip,
                             &skip, &uskip, &uskip, &rss);
    if (parsed < 2) continue;
    out[static_cast<pid_t>(*pid)] = {ppid, state == 'Z', parsed == 22 ? rss : 0};
  }
  ::closedir(dir);
  return out;
}

// The live (not zombie) descendants of root.
std::vector<pid_t> Descendants(const std::map<pid_t, ProcessEntry>& processes, pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (const auto& [pid, entry] : processes) children.emplace(entry.ppid, pid);
  std::vector<pid_t> out, queue = {root};
  while (!queue.empty()) {
    pid_t parent = queue.back();
    queue.pop_back();
    auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      queue.push_back(it->second);
      if (!processes.at(it->second).zombie) out.push_back(it->second);
    }
  }
  return out;
}

long TreeRssMb(pid_t root) {
  auto processes = ReadProcesses();
  long pages = 0;
  for (pid_t pid : Descendants(processes, root)) pages += processes[pid].rss_pages;
  return pages * (::sysconf(_SC_PAGESIZE) / 1024) / 1024;
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

  // The reaper tells its parent the interpreter's pid through this pipe.
  int pid_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) {
    int err = errno;
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1], log_fd, null_fd}) {
      if (fd >= 0) ::close(fd);
    }
    return Unavailable("pipe: " + std::string(std::strerror(err)));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1], log_fd, null_fd,
                   pid_pipe[0], pid_pipe[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return Unavailable("fork: " + std::string(std::strerror(err)));
  }
  if (pid == 0) {
    // The reaper: orphans of the handler's tree (double forks, setsid) become its children,
    // so the tree stays findable from it. (No PR_SET_PDEATHSIG: it fires when the forking
    // thread ends, and serving threads come and go while workers are reused.)
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    ::setpgid(0, 0);
    sigset_t none;  // the forking thread's mask (the server blocks some signals) is not theirs
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    pid_t handler = ::fork();
    if (handler == 0) {
      // The interpreter: fds 0..4 are set up with dup2 (which clears O_CLOEXEC on the copies).
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
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    ssize_t wrote = ::write(pid_pipe[1], &handler, sizeof(handler));
    (void)wrote;
    // Holds no descriptor of the sandbox's (the pipes especially: the parent sees the handler's
    // end of them close).
    ::syscall(SYS_close_range, 3u, ~0u, 0u);
    if (handler < 0) ::_exit(126);
    int handler_status = 0;
    while (true) {
      int status = 0;
      pid_t done = ::waitpid(-1, &status, 0);
      if (done == handler) handler_status = status;
      if (done < 0 && errno != EINTR) break;  // ECHILD: the whole tree is gone
    }
    if (WIFSIGNALED(handler_status)) {
      ::signal(WTERMSIG(handler_status), SIG_DFL);
      ::kill(::getpid(), WTERMSIG(handler_status));
    }
    ::_exit(WIFEXITED(handler_status) ? WEXITSTATUS(handler_status) : 1);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  ::close(pid_pipe[1]);
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  pid_t handler = -1;
  ssize_t got = 0;
  do {
    got = ::read(pid_pipe[0], &handler, sizeof(handler));
  } while (got < 0 && errno == EINTR);
  ::close(pid_pipe[0]);
  ::signal(SIGPIPE, SIG_IGN);
  auto worker = std::unique_ptr<Worker>(new Worker(pid, got == sizeof(handler) ? handler : -1,
                                                   to_child[1], from_child[0], launch.memory_mb));
  if (worker->handler_pid_ <= 0) {
    worker->Kill();
    return Unavailable("the worker process could not be started");
  }
  return worker;
}

Worker::~Worker() { Kill(); }

void Worker::KillTree() {
  // Every descendant of the reaper, however it detached (setsid, double fork). Processes
  // forked meanwhile are found on the next pass; the reaper reaps the killed ones, so the
  // passes end (bounded, against a fork bomb outrunning them).
  for (int pass = 0; pass < 100; ++pass) {
    std::vector<pid_t> tree = Descendants(ReadProcesses(), pid_);
    if (tree.empty()) return;
    for (pid_t p : tree) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(pass < 10 ? 1 : 10));
  }
}

int Worker::MaxRssMb() const {
  if (pid_ <= 0 || handler_pid_ <= 0) return 0;
  std::FILE* f = std::fopen(("/proc/" + std::to_string(handler_pid_) + "/status").c_str(), "r");
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
    KillTree();
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
    if (memory_mb_ > 0 && TreeRssMb(pid_) > memory_mb_) {
      exit_description_ = "signal: killed";  // as Lambda reports a function out of memory
      Kill();
      return WorkerResult::kCrashed;
    }
    int wait_ms =
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) +
        1;
    if (memory_mb_ > 0) wait_ms = std::min(wait_ms, kMemoryCheckMs);
    pollfd pfd{from_, POLLIN, 0};
    int rc = ::poll(&pfd, 1, wait_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc == 0) continue;
    ssize_t n = ::read(from_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      CloseIfOpen(to_);
      // The handler is gone or closed its end; what it left running goes too, so the reaper
      // exits with the handler's status.
      KillTree();
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
