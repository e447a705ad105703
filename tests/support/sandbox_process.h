// Test helpers: run `ferry sandbox` as a child process, build function zips, static credentials.
// The binary is $FERRY_SANDBOX_BINARY, else $FERRY_BINARY_DIR/apps/ferry/ferry.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "aws/credentials.h"

namespace ferry::test {

class StaticCredentials final : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> Resolve() override {
    return aws::Credentials{"test", "test", "", std::nullopt, "static"};
  }
};

inline std::string SandboxBinary() {
  if (const char* b = std::getenv("FERRY_SANDBOX_BINARY")) return b;
  const char* dir = std::getenv("FERRY_BINARY_DIR");
  return std::string(dir ? dir : ".") + "/apps/ferry/ferry";
}

class Sandbox {
 public:
  // `extra`: more `ferry sandbox` arguments (e.g. {"--account", "ID:KEY:SECRET"}).
  bool Start(std::string* error, const std::vector<std::string>& extra = {}) {
    int out[2];
    if (pipe(out) != 0) return false;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::string bin = SandboxBinary();
      std::vector<std::string> args = {bin, "sandbox", "--port", "0", "--update-delay", "100ms"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&p, 1, 30'000) > 0) {
      char buf[256];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    close(out[0]);
    auto at = line.find("http://");
    if (at == std::string::npos) {
      *error = "sandbox did not start: " + line;
      return false;
    }
    url_ = line.substr(at, line.find('\n', at) - at);
    return true;
  }
  ~Sandbox() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

// One sandbox child shared by the tests of a suite: Start() in SetUpTestSuite, Stop() in
// TearDownTestSuite; a test skips when there is no ferry binary and fails when the sandbox did
// not start (see Ready()).
class SharedSandbox {
 public:
  void Start(const std::vector<std::string>& extra = {}) {
    error_.clear();
    if (!std::filesystem::exists(SandboxBinary())) return;
    sandbox_ = std::make_unique<Sandbox>();
    if (!sandbox_->Start(&error_, extra) && error_.empty()) error_ = "the sandbox did not start";
  }
  void Stop() { sandbox_.reset(); }
  bool HasBinary() const { return sandbox_ != nullptr; }
  // Empty when the sandbox is serving; else why not.
  const std::string& error() const { return error_; }
  const std::string& url() const { return sandbox_->url(); }

 private:
  std::unique_ptr<Sandbox> sandbox_;
  std::string error_;
};

inline std::string MakeZip(const std::string& body) {
  char dir[] = "/tmp/ferry-zip-XXXXXX";
  if (mkdtemp(dir) == nullptr) return "";
  std::ofstream(std::string(dir) + "/app.py") << body;
  std::string cmd = std::string("cd ") + dir + " && zip -q -X code.zip app.py";
  if (std::system(cmd.c_str()) != 0) return "";
  std::ifstream in(std::string(dir) + "/code.zip", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::filesystem::remove_all(dir);
  return bytes.str();
}

}  // namespace ferry::test
