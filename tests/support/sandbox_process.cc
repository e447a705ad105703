#include "support/sandbox_process.h"

#include <utility>

namespace ferry::test {

std::unique_ptr<SandboxProcess> SandboxProcess::Start(const std::string& data_dir,
                                                      std::vector<std::string> extra,
                                                      const std::string& update_delay,
                                                      std::chrono::seconds timeout) {
  std::vector<std::string> args = {"sandbox", "--port", "0", "--update-delay", update_delay};
  if (!data_dir.empty()) {
    args.push_back("--data");
    args.push_back(data_dir);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  auto p = std::unique_ptr<SandboxProcess>(new SandboxProcess());
  p->child_ = ChildProcess::Spawn(std::move(args));
  if (auto url = p->child_->WaitForLine("ferry sandbox listening on ", timeout)) p->url_ = *url;
  return p;
}

}  // namespace ferry::test
