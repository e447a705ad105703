#include "support/server_process.h"

#include <filesystem>
#include <utility>

namespace ferry::test {

using seconds = ChildProcess::seconds;

std::map<std::string, std::string> SandboxAwsEnv() {
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

std::string CreateToken(const std::string& data_dir, const std::string& name, std::string* error,
                        const std::string& store_url) {
  std::vector<std::string> args = {"token", "create", name, "--data", data_dir};
  if (!store_url.empty()) args.insert(args.end(), {"--store", store_url});
  auto r = ChildProcess::Run(args);
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

std::string FirstWord(const std::string& text) {
  const size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  return text.substr(start, text.find_first_of(" \t", start) - start);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(const std::string& data_dir,
                                                    ServerOptions options) {
  auto p = std::unique_ptr<ServerProcess>(new ServerProcess());
  p->data_dir_ = data_dir;
  p->options_ = std::move(options);
  std::filesystem::create_directories(data_dir);
  p->Launch();
  return p;
}

void ServerProcess::KillAndRestart() {
  child_->Kill();
  url_.clear();
  Launch();
}

void ServerProcess::KillAndRestartOnSamePort() {
  const std::string port = url_.substr(url_.rfind(':') + 1);
  child_->Kill();
  url_.clear();
  Launch(port);
}

void ServerProcess::Launch(const std::string& port) {
  if (options_.create_token && token_.empty()) {
    token_ = CreateToken(data_dir_, options_.token_name, &problem_, options_.store_url);
  }
  std::vector<std::string> args = {"server", "--data", data_dir_, "--port", port};
  if (!options_.store_url.empty()) args.insert(args.end(), {"--store", options_.store_url});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  child_ = ChildProcess::Spawn(args, ProcessOptions{options_.env, ""});
  if (auto url = child_->WaitForLine("ferry server listening on ", seconds(60))) url_ = *url;
}

std::unique_ptr<UpProcess> UpProcess::Start(const std::string& cwd, std::vector<std::string> extra,
                                            seconds timeout,
                                            std::map<std::string, std::string> env) {
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

}  // namespace ferry::test
