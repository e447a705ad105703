#include "aws/credentials_http.h"

#include <fstream>

#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::aws {
namespace {

constexpr size_t kMaxBody = 64 * 1024;

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// scheme://host[:port] of a URL, and its host, for the FULL_URI allow-list.
std::string HostOf(std::string_view url) {
  auto start = url.find("://");
  if (start == std::string_view::npos) return "";
  std::string_view rest = url.substr(start + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.find('@') != std::string_view::npos) return "";  // no credentials in the URL
  if (rest.starts_with('[')) return std::string(rest.substr(0, rest.find(']') + 1));
  return std::string(rest.substr(0, rest.find(':')));
}

bool IsAllowedHttpHost(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

Result<std::string> ReadSmallFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Unavailable(std::string(what) + " file " + QuoteForMessage(path) + " can't be read");
  std::string data(kMaxBody + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > kMaxBody) return InvalidArgument(std::string(what) + " file is too large");
  return std::string(Trim(data));
}

}  // namespace

Result<Credentials> ParseCredentialsJson(std::string_view body, std::string_view source,
                                         std::string_view token_field) {
  auto json = ParseJson(body, JsonLimits{kMaxBody, 8});
  if (!json.ok() || !json->is_object()) {
    return Unavailable(std::string(source) + " returned malformed credentials JSON");
  }
  auto field = [&](std::string_view name) -> std::string {
    auto it = json->find(std::string(name));
    return it != json->end() && it->is_string() ? it->get<std::string>() : "";
  };
  Credentials creds;
  creds.access_key_id = field("AccessKeyId");
  creds.secret_access_key = field("SecretAccessKey");
  creds.session_token = field(token_field);
  creds.source = std::string(source);
  RegisterSecrets(creds);
  if (std::string code = field("Code"); !code.empty() && code != "Success") {
    return Unavailable(std::string(source) + " reported " + QuoteForMessage(code, 60));
  }
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return Unavailable(std::string(source) + " returned no AccessKeyId or SecretAccessKey");
  }
  if (std::string expiration = field("Expiration"); !expiration.empty()) {
    auto when = ParseRfc3339(expiration);
    if (!when) return Unavailable(std::string(source) + " returned a malformed Expiration");
    creds.expiration = *when;
  }
  return creds;
}

Result<Credentials> ContainerProvider::Resolve() {
  std::string relative = ctx_.Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::string full = ctx_.Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (relative.empty() && full.empty()) {
    return NotFound("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set");
  }
  std::string url;
  if (!relative.empty()) {
    if (!relative.starts_with('/') || HasLineBreak(relative) || relative.starts_with("//")) {
      return InvalidArgument("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path");
    }
    url = ctx_.container_host + relative;
  } else {
    std::string host = HostOf(full);
    bool https = full.starts_with("https://");
    if (host.empty() || HasLineBreak(full) ||
        !(https || (full.starts_with("http://") && IsAllowedHttpHost(host)))) {
      return InvalidArgument(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or "
          "the ECS/EKS credential agent");
    }
    url = full;
  }
  HttpRequest request;
  request.url = url;
  request.connect_timeout = ctx_.metadata_timeout;
  request.timeout = ctx_.metadata_timeout * 5;
  std::string token;
  if (std::string file = ctx_.Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); !file.empty()) {
    FERRY_ASSIGN_OR_RETURN(token, ReadSmallFile(file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
  } else {
    token = ctx_.Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (!token.empty()) {
    SecretMasker::Global().Register(token);
    if (HasLineBreak(token))
      return InvalidArgument("container authorization token has a line break");
    request.headers.emplace_back("Authorization", token);
  }
  auto response = ctx_.transport->Send(request);
  if (!response.ok()) return response.error().WithContext("container credentials");
  if (response->status != 200) {
    return Unavailable("container credentials endpoint answered HTTP " +
                       std::to_string(response->status));
  }
  if (response->body.size() > kMaxBody) return Unavailable("container credentials body too large");
  return ParseCredentialsJson(response->body, "container", "Token");
}

Result<Credentials> ImdsProvider::Resolve() {
  if (EqualsIgnoreCase(ctx_.Env("AWS_EC2_METADATA_DISABLED"), "true")) {
    return NotFound("instance metadata disabled by AWS_EC2_METADATA_DISABLED");
  }
  std::string base = ctx_.imds_endpoint;
  if (base.empty()) base = ctx_.Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!(base.starts_with("http://") || base.starts_with("https://")) || HasLineBreak(base)) {
    return InvalidArgument("instance metadata endpoint must be an http(s) URL");
  }
  auto send = [&](HttpRequest r) {
    r.connect_timeout = ctx_.metadata_timeout;
    r.timeout = ctx_.metadata_timeout * 2;
    return ctx_.transport->Send(r);
  };
  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = base + "/latest/api/token";
  token_request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
  auto token = send(token_request);
  if (!token.ok()) {
    // Nothing answers: not on EC2 (or metadata blocked), so this source is not configured.
    return NotFound("instance metadata service unreachable: " + token.error().message);
  }
  if (token->status != 200 || token->body.empty() || token->body.size() > 1024 ||
      HasLineBreak(token->body)) {
    return Unavailable("instance metadata token request answered HTTP " +
                       std::to_string(token->status) + " (IMDSv2 is required)");
  }
  SecretMasker::Global().Register(token->body);
  const std::string path = "/latest/meta-data/iam/security-credentials/";
  HttpRequest role_request;
  role_request.url = base + path;
  role_request.headers = {{"X-aws-ec2-metadata-token", token->body}};
  auto role = send(role_request);
  if (!role.ok()) return role.error().WithContext("instance metadata");
  if (role->status == 404) return NotFound("this EC2 instance has no instance profile");
  if (role->status != 200) {
    return Unavailable("instance metadata role listing answered HTTP " +
                       std::to_string(role->status));
  }
  std::string name(Trim(std::string_view(role->body).substr(0, role->body.find('\n'))));
  if (name.empty() || name.size() > 128 || !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view("+=,.@-_").find(c) != std::string_view::npos;
      })) {
    return Unavailable("instance metadata returned an invalid role name");
  }
  HttpRequest creds_request = role_request;
  creds_request.url = base + path + name;
  auto creds = send(creds_request);
  if (!creds.ok()) return creds.error().WithContext("instance metadata");
  if (creds->status != 200) {
    return Unavailable("instance metadata credentials answered HTTP " +
                       std::to_string(creds->status));
  }
  return ParseCredentialsJson(creds->body, "imds", "Token");
}

}  // namespace ferry::aws
