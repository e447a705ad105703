#include "aws/credentials_profile.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>

#include "aws/credentials_http.h"
#include "common/json.h"
#include "common/strings.h"

extern char** environ;

namespace ferry::aws {
namespace {

constexpr size_t kMaxProfileFile = 1024 * 1024;
constexpr size_t kMaxProcessOutput = 64 * 1024;

using Profile = std::map<std::string, std::string>;

std::string Get(const Profile& p, const std::string& key) {
  auto it = p.find(key);
  return it == p.end() ? "" : it->second;
}

std::string ExpandHome(const std::string& path, const std::string& home) {
  if (path.starts_with("~/")) return home + path.substr(1);
  return path;
}

}  // namespace

Result<ProfileFile> ParseProfileFile(std::string_view text, bool config_file) {
  if (text.size() > kMaxProfileFile) {
    return Error{ErrorCode::kPayloadTooLarge, "AWS profile file is larger than 1 MiB", {}};
  }
  ProfileFile out;
  std::string section;
  bool in_section = false;
  std::string last_key;
  int line_number = 0;
  for (const auto& raw : Split(text, '\n')) {
    ++line_number;
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';') continue;
    auto bad = [&](std::string_view why) {
      return InvalidArgument("AWS profile file line " + std::to_string(line_number) + ": " +
                             std::string(why));
    };
    if (trimmed.front() == '[') {
      auto close = trimmed.find(']');
      if (close == std::string_view::npos) return bad("unterminated section header");
      std::string name(Trim(trimmed.substr(1, close - 1)));
      if (config_file && name != "default") {
        if (name.starts_with("profile ")) {
          name = std::string(Trim(std::string_view(name).substr(8)));
        } else {
          in_section = false;  // [sso-session x], [services x]: not profiles
          continue;
        }
      }
      if (name.empty()) return bad("empty section name");
      section = name;
      in_section = true;
      out[section];
      last_key.clear();
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') continue;  // sub-properties (s3 = ...)
    auto eq = trimmed.find('=');
    if (eq == std::string_view::npos) return bad("expected key = value");
    if (!in_section) continue;
    std::string key = ToLower(Trim(trimmed.substr(0, eq)));
    std::string_view value = Trim(trimmed.substr(eq + 1));
    // Inline comments need whitespace before '#' or ';' (values such as secrets may hold '#').
    for (size_t i = 1; i < value.size(); ++i) {
      if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
        value = Trim(value.substr(0, i));
        break;
      }
    }
    if (key.empty()) return bad("empty key");
    out[section][key] = std::string(value);
  }
  return out;
}

ProfileProvider::ProfileProvider(CredentialsContext ctx, std::string profile)
    : ctx_(std::move(ctx)), profile_(std::move(profile)) {}

Result<Credentials> ProfileProvider::Resolve() {
  CredentialsProvider* provider = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!built_) {
      FERRY_ASSIGN_OR_RETURN(built_, Build());
    }
    provider = built_.get();
  }
  return provider->Resolve();
}

namespace {

struct Files {
  ProfileFile credentials;
  ProfileFile config;
};

Result<ProfileFile> LoadFile(const std::string& path, bool config_file) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ProfileFile{};
  std::string data(kMaxProfileFile + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  auto parsed = ParseProfileFile(data, config_file);
  if (!parsed.ok()) return parsed.error().WithContext(QuoteForMessage(path));
  return parsed;
}

class TreeBuilder {
 public:
  TreeBuilder(const CredentialsContext& ctx, Files files) : ctx_(ctx), files_(std::move(files)) {}

  bool Exists(const std::string& name) const {
    return files_.credentials.contains(name) || files_.config.contains(name);
  }

  Profile Merged(const std::string& name) const {
    Profile p;
    if (auto it = files_.config.find(name); it != files_.config.end()) p = it->second;
    if (auto it = files_.credentials.find(name); it != files_.credentials.end()) {
      for (const auto& [k, v] : it->second) p[k] = v;
    }
    return p;
  }

  Result<std::unique_ptr<CredentialsProvider>> Build(const std::string& name,
                                                     std::vector<std::string> path) {
    const std::string where = "AWS profile " + QuoteForMessage(name, 64);
    if (!Exists(name)) {
      return InvalidArgument(where + " does not exist in the shared config or credentials file");
    }
    if (std::find(path.begin(), path.end(), name) != path.end()) {
      path.push_back(name);
      return InvalidArgument("AWS profiles form a source_profile cycle: " + Join(path, " -> "));
    }
    if (path.size() > 16) return InvalidArgument("AWS profile chain is deeper than 16 profiles");
    path.push_back(name);
    Profile p = Merged(name);
    std::string role_arn = Get(p, "role_arn");
    if (!role_arn.empty()) return BuildRole(name, p, path);
    if (auto keys = StaticKeys(p, where); !keys.ok() || keys->has_value()) {
      if (!keys.ok()) return keys.error();
      return std::unique_ptr<CredentialsProvider>(std::make_unique<StaticProvider>(**keys));
    }
    if (std::string process = Get(p, "credential_process"); !process.empty()) {
      return Cached(std::make_unique<ProcessProvider>(process, ctx_.process_timeout));
    }
    return InvalidArgument(where + " has no credentials (keys, role_arn or credential_process)");
  }

 private:
  Result<std::optional<Credentials>> StaticKeys(const Profile& p, const std::string& where) {
    std::string id = Get(p, "aws_access_key_id"), secret = Get(p, "aws_secret_access_key");
    Credentials creds{id, secret, Get(p, "aws_session_token"), std::nullopt, "shared-profile"};
    RegisterSecrets(creds);
    if (id.empty() && secret.empty()) return std::optional<Credentials>();
    if (id.empty() || secret.empty()) {
      return InvalidArgument(where +
                             " has only one of aws_access_key_id and aws_secret_access_key");
    }
    return std::optional<Credentials>(creds);
  }

  std::unique_ptr<CredentialsProvider> Cached(std::unique_ptr<CredentialsProvider> inner) {
    return std::make_unique<CachingProvider>(std::move(inner), *ctx_.clock, ctx_.refresh_before);
  }

  Result<std::unique_ptr<CredentialsProvider>> BuildRole(const std::string& name, const Profile& p,
                                                         const std::vector<std::string>& path) {
    const std::string where = "AWS profile " + QuoteForMessage(name, 64);
    std::string role_arn = Get(p, "role_arn");
    std::string session = Get(p, "role_session_name");
    if (session.empty()) {
      session = "ferry-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              ctx_.clock->Now().time_since_epoch())
                                              .count());
    }
    std::string source_profile = Get(p, "source_profile");
    std::string credential_source = Get(p, "credential_source");
    std::string token_file = Get(p, "web_identity_token_file");
    int sources = !source_profile.empty() + !credential_source.empty() + !token_file.empty();
    if (sources != 1) {
      return InvalidArgument(where +
                             " with role_arn needs exactly one of source_profile, "
                             "credential_source and web_identity_token_file");
    }
    if (!token_file.empty()) {
      return Cached(std::make_unique<WebIdentityProvider>(ctx_, role_arn,
                                                          ExpandHome(token_file, Home()), session));
    }
    std::unique_ptr<CredentialsProvider> source;
    if (!source_profile.empty()) {
      if (source_profile == name) {
        // A profile may use its own static keys as the source of its role.
        FERRY_ASSIGN_OR_RETURN(auto keys, StaticKeys(p, where));
        if (!keys)
          return InvalidArgument(where + " names itself as source_profile but has no keys");
        source = std::make_unique<StaticProvider>(*keys);
      } else {
        FERRY_ASSIGN_OR_RETURN(source, Build(source_profile, path));
      }
    } else if (credential_source == "Environment") {
      source = std::make_unique<EnvironmentProvider>(ctx_);
    } else if (credential_source == "Ec2InstanceMetadata") {
      source = Cached(std::make_unique<ImdsProvider>(ctx_));
    } else if (credential_source == "EcsContainer") {
      source = Cached(std::make_unique<ContainerProvider>(ctx_));
    } else {
      return InvalidArgument(where + " has an unknown credential_source " +
                             QuoteForMessage(credential_source, 40));
    }
    AssumeRoleRequest request{role_arn, session, std::nullopt, std::chrono::seconds(3600)};
    if (std::string ext = Get(p, "external_id"); !ext.empty()) request.external_id = ext;
    if (std::string d = Get(p, "duration_seconds"); !d.empty()) {
      auto seconds = ParseInt(d);
      if (!seconds) return InvalidArgument(where + " has a non-numeric duration_seconds");
      request.duration = std::chrono::seconds(*seconds);
    }
    FERRY_RETURN_IF_ERROR(ValidateRoleArn(role_arn));
    FERRY_RETURN_IF_ERROR(ValidateSessionName(session));
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<StsClient> sts, MakeStsClient(ctx_));
    return Cached(std::make_unique<AssumeRoleProvider>(std::move(source), std::move(sts), request));
  }

  std::string Home() const { return ctx_.home.empty() ? ctx_.Env("HOME") : ctx_.home; }

  const CredentialsContext& ctx_;
  const Files files_;
};

}  // namespace

Result<std::unique_ptr<CredentialsProvider>> ProfileProvider::Build() {
  std::string home = ctx_.home.empty() ? ctx_.Env("HOME") : ctx_.home;
  std::string credentials_path = ctx_.Env("AWS_SHARED_CREDENTIALS_FILE");
  if (credentials_path.empty()) credentials_path = home + "/.aws/credentials";
  std::string config_path = ctx_.Env("AWS_CONFIG_FILE");
  if (config_path.empty()) config_path = home + "/.aws/config";
  Files files;
  FERRY_ASSIGN_OR_RETURN(files.credentials, LoadFile(ExpandHome(credentials_path, home), false));
  FERRY_ASSIGN_OR_RETURN(files.config, LoadFile(ExpandHome(config_path, home), true));
  std::string env_profile = ctx_.Env("AWS_PROFILE");
  std::string name = !profile_.empty() ? profile_ : !env_profile.empty() ? env_profile : "default";
  TreeBuilder builder(ctx_, std::move(files));
  if (!builder.Exists(name) && profile_.empty() && env_profile.empty()) {
    return NotFound("no [default] profile in the shared AWS config or credentials file");
  }
  return builder.Build(name, {});
}

Result<Credentials> ProcessProvider::Resolve() {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Internal("credential_process: pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group, so a timeout kills its children too
  const char* argv[] = {"/bin/sh", "-c", command_.c_str(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char**>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return Unavailable("credential_process could not be started");
  }
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  std::string output;
  bool timed_out = false, too_large = false;
  char buf[4096];
  while (true) {
    pollfd pfd{out[0], POLLIN, 0};
    int ready = poll(&pfd, 1, remaining_ms());
    if (ready == 0) {
      timed_out = true;
      break;
    }
    if (ready < 0) continue;
    ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
    if (output.size() > kMaxProcessOutput) {
      too_large = true;
      break;
    }
  }
  close(out[0]);
  int status = 0;
  while (!timed_out && waitpid(pid, &status, WNOHANG) == 0) {
    if (remaining_ms() == 0) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // exit after closing stdout
  }
  if (timed_out || too_large) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (too_large) return Unavailable("credential_process wrote more than 64 KiB");
    return Error{ErrorCode::kDeadlineExceeded,
                 "credential_process did not finish within " + std::to_string(timeout_.count()) +
                     " ms and was killed",
                 {}};
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Unavailable("credential_process failed (" +
                       (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                          : std::string("killed by a signal")) +
                       ")");
  }
  auto json = ParseJson(output, JsonLimits{kMaxProcessOutput, 8});
  if (!json.ok() || !json->is_object() || !json->contains("Version") ||
      !(*json)["Version"].is_number_integer() || (*json)["Version"].get<int64_t>() != 1) {
    // Register whatever secrets it did print before failing.
    (void)ParseCredentialsJson(output, "credential_process", "SessionToken");
    return Unavailable("credential_process output is not JSON with \"Version\": 1");
  }
  return ParseCredentialsJson(output, "credential_process", "SessionToken");
}

}  // namespace ferry::aws
