// SandboxProcess: `ferry sandbox --port 0 [--data DIR] --update-delay D [extra...]` as a child
// process (support/child_process.h), its URL read from the line it prints once it serves,
// "ferry sandbox listening on http://127.0.0.1:PORT".
//
//   auto sandbox = ferry::test::SandboxProcess::Start(dir.Sub("sandbox"), {"--quota"});
//   ASSERT_TRUE(sandbox->ok()) << sandbox->diagnostics();
//   sandbox->url();  // "http://127.0.0.1:PORT"
//
// The sandbox and its handler workers are one process group, killed when the object goes away;
// its output is captured (diagnostics()). Not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace ferry::test {

class SandboxProcess {
 public:
  // Starts it and waits up to `timeout` for its URL. An empty `data_dir` keeps state in memory.
  static std::unique_ptr<SandboxProcess> Start(
      const std::string& data_dir, std::vector<std::string> extra = {},
      const std::string& update_delay = "100ms",
      std::chrono::seconds timeout = std::chrono::seconds(60));

  // Started and serving.
  bool ok() const { return !url_.empty(); }
  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  ChildProcess& process() { return *child_; }
  std::string diagnostics() const { return child_->diagnostics(); }

 private:
  SandboxProcess() = default;
  std::unique_ptr<ChildProcess> child_;
  std::string url_;
};

}  // namespace ferry::test
