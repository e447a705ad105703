#include "aws/credentials_chain.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "aws/credentials_http.h"
#include "aws/credentials_profile.h"
#include "aws/endpoints.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::aws {

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string CredentialsContext::Env(std::string_view name) const {
  if (!getenv) return "";
  return getenv(name).value_or("");
}

std::string CredentialsContext::StsRegion() const {
  if (!region.empty()) return region;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string value = Env(name);
    if (!value.empty()) return value;
  }
  return "us-east-1";
}

void RegisterSecrets(const Credentials& creds) {
  SecretMasker::Global().Register(creds.secret_access_key);
  SecretMasker::Global().Register(creds.session_token);
}

Result<std::unique_ptr<StsClient>> MakeStsClient(const CredentialsContext& ctx) {
  if (ctx.transport == nullptr || ctx.clock == nullptr) {
    return Internal("credentials context lacks a transport or clock");
  }
  std::string region = ctx.StsRegion();
  EndpointOptions options;
  options.override_url = ctx.sts_endpoint_override;
  FERRY_ASSIGN_OR_RETURN(ResolvedEndpoint endpoint, ResolveEndpoint("sts", region, options));
  return std::make_unique<StsClient>(*ctx.transport, *ctx.clock,
                                     StsConfig{endpoint.url, endpoint.signing_region});
}

StaticProvider::StaticProvider(Credentials creds) : creds_(std::move(creds)) {
  RegisterSecrets(creds_);
}

Result<Credentials> StaticProvider::Resolve() {
  if (creds_.access_key_id.empty() || creds_.secret_access_key.empty()) {
    return InvalidArgument("explicit AWS keys need both an access key id and a secret key");
  }
  return creds_;
}

Result<Credentials> EnvironmentProvider::Resolve() {
  Credentials creds;
  creds.access_key_id = ctx_.Env("AWS_ACCESS_KEY_ID");
  creds.secret_access_key = ctx_.Env("AWS_SECRET_ACCESS_KEY");
  creds.session_token = ctx_.Env("AWS_SESSION_TOKEN");
  creds.source = "environment";
  RegisterSecrets(creds);
  if (creds.access_key_id.empty() && creds.secret_access_key.empty()) {
    return NotFound("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return InvalidArgument("only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set");
  }
  return creds;
}

CachingProvider::CachingProvider(std::unique_ptr<CredentialsProvider> inner, Clock& clock,
                                 std::chrono::milliseconds refresh_before)
    : inner_(std::move(inner)), clock_(clock), refresh_before_(refresh_before) {}

Result<Credentials> CachingProvider::Resolve() {
  std::lock_guard lock(mu_);
  TimePoint now = clock_.Now();
  if (cached_ && (!cached_->expiration || now + refresh_before_ < *cached_->expiration)) {
    return *cached_;
  }
  auto fresh = inner_->Resolve();
  if (fresh.ok()) {
    RegisterSecrets(*fresh);
    cached_ = *fresh;
    return fresh;
  }
  // A failed refresh keeps serving credentials that have not expired yet.
  if (cached_ && cached_->expiration && now < *cached_->expiration) return *cached_;
  return fresh;
}

AssumeRoleProvider::AssumeRoleProvider(std::unique_ptr<CredentialsProvider> source,
                                       std::unique_ptr<StsClient> sts, AssumeRoleRequest request)
    : source_(std::move(source)), sts_(std::move(sts)), request_(std::move(request)) {}

Result<Credentials> AssumeRoleProvider::Resolve() {
  auto source = source_->Resolve();
  if (!source.ok()) {
    // The role is configured, so a missing source is an error, not "not configured".
    Error e =
        source.error().WithContext("assume role " + request_.role_arn + ": source credentials");
    if (e.code == ErrorCode::kNotFound) e.code = ErrorCode::kUnauthenticated;
    return e;
  }
  FERRY_ASSIGN_OR_RETURN(AssumedRole role, sts_->AssumeRole(*source, request_));
  return role.credentials;
}

WebIdentityProvider::WebIdentityProvider(CredentialsContext ctx, std::string role_arn,
                                         std::string token_file, std::string session_name)
    : ctx_(std::move(ctx)),
      role_arn_(std::move(role_arn)),
      token_file_(std::move(token_file)),
      session_name_(std::move(session_name)) {}

Result<Credentials> WebIdentityProvider::Resolve() {
  bool from_env = role_arn_.empty();
  std::string role_arn = from_env ? ctx_.Env("AWS_ROLE_ARN") : role_arn_;
  std::string token_file = from_env ? ctx_.Env("AWS_WEB_IDENTITY_TOKEN_FILE") : token_file_;
  std::string session = from_env ? ctx_.Env("AWS_ROLE_SESSION_NAME") : session_name_;
  if (role_arn.empty() && token_file.empty()) {
    return NotFound("AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are not set");
  }
  if (role_arn.empty() || token_file.empty()) {
    return InvalidArgument("web identity needs both a role ARN and a token file");
  }
  if (session.empty()) {
    session = "ferry-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            ctx_.clock->Now().time_since_epoch())
                                            .count());
  }
  std::ifstream in(token_file, std::ios::binary);
  if (!in) {
    return Unavailable("web identity token file " + QuoteForMessage(token_file) + " can't be read");
  }
  std::string token;
  token.resize(20'001);
  in.read(token.data(), static_cast<std::streamsize>(token.size()));
  token.resize(static_cast<size_t>(in.gcount()));
  token = std::string(Trim(token));
  if (token.empty() || token.size() > 20'000) {
    return InvalidArgument("web identity token file " + QuoteForMessage(token_file) +
                           " is empty or larger than 20000 bytes");
  }
  SecretMasker::Global().Register(token);
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<StsClient> sts, MakeStsClient(ctx_));
  FERRY_ASSIGN_OR_RETURN(
      AssumedRole role,
      sts->AssumeRoleWithWebIdentity({role_arn, session, token, std::chrono::seconds(3600)}));
  return role.credentials;
}

ChainProvider::ChainProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers,
                             std::vector<std::string> names)
    : providers_(std::move(providers)), names_(std::move(names)) {}

Result<Credentials> ChainProvider::Resolve() {
  std::unique_lock lock(mu_);
  if (winner_ != nullptr) {
    CredentialsProvider* winner = winner_;
    lock.unlock();
    return winner->Resolve();
  }
  for (auto& provider : providers_) {
    auto creds = provider->Resolve();
    if (!creds.ok() && creds.error().code == ErrorCode::kNotFound) continue;
    if (creds.ok()) winner_ = provider.get();
    return creds;
  }
  return NotFound("no AWS credentials found; tried " + Join(names_, ", ") + " (see docs/aws.md)");
}

std::unique_ptr<CredentialsProvider> DefaultCredentialsChain(const CredentialsContext& ctx) {
  auto cached =
      [&](std::unique_ptr<CredentialsProvider> inner) -> std::unique_ptr<CredentialsProvider> {
    return std::make_unique<CachingProvider>(std::move(inner), *ctx.clock, ctx.refresh_before);
  };
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<EnvironmentProvider>(ctx));
  providers.push_back(cached(std::make_unique<WebIdentityProvider>(ctx)));
  providers.push_back(std::make_unique<ProfileProvider>(ctx));  // caches its own chain
  providers.push_back(cached(std::make_unique<ContainerProvider>(ctx)));
  providers.push_back(cached(std::make_unique<ImdsProvider>(ctx)));
  return std::make_unique<ChainProvider>(
      std::move(providers), std::vector<std::string>{"environment", "web identity",
                                                     "shared profile", "container", "imds"});
}

Result<std::unique_ptr<CredentialsProvider>> MakeConnectionCredentials(
    const ConnectionCredentialsConfig& config, const CredentialsContext& ctx) {
  std::unique_ptr<CredentialsProvider> base;
  if (config.explicit_keys) {
    base = std::make_unique<StaticProvider>(*config.explicit_keys);
  } else {
    base = DefaultCredentialsChain(ctx);
  }
  if (!config.assume_role) return base;
  FERRY_RETURN_IF_ERROR(ValidateRoleArn(config.assume_role->role_arn));
  FERRY_RETURN_IF_ERROR(ValidateSessionName(config.assume_role->session_name));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<StsClient> sts, MakeStsClient(ctx));
  return std::unique_ptr<CredentialsProvider>(std::make_unique<CachingProvider>(
      std::make_unique<AssumeRoleProvider>(std::move(base), std::move(sts), *config.assume_role),
      *ctx.clock, ctx.refresh_before));
}

}  // namespace ferry::aws
