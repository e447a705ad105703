// The credential chain and its building blocks.
//
// Standard order (DefaultCredentialsChain), the first source that is configured wins and is
// remembered:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   2. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (+ AWS_ROLE_SESSION_NAME) →
//      STS AssumeRoleWithWebIdentity (EKS IRSA)
//   3. shared files: ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
//      AWS_CONFIG_FILE, AWS_PROFILE), see credentials_profile.h
//   4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI with
//      AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) (ECS, EKS Pod Identity), see credentials_http.h
//   5. EC2 instance metadata, IMDSv2 only (AWS_EC2_METADATA_DISABLED, _SERVICE_ENDPOINT)
// A source that is not configured answers kNotFound and the chain moves on; a source that is
// configured but fails stops the chain with its error (falling through would silently pick
// another identity).
//
// Temporary credentials are cached by CachingProvider and refreshed `refresh_before` their
// expiry on the injected Clock; concurrent Resolve calls during a refresh wait for that one
// refresh. If a refresh fails while the cached credentials are still valid, those are returned.
//
// Every secret a provider resolves is registered with SecretMasker::Global(); error messages
// never contain secret keys, session tokens or authorization tokens.
// All providers are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/sts_client.h"
#include "common/clock.h"

namespace ferry::aws {

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (std::getenv).
std::optional<std::string> ProcessEnv(std::string_view name);

// Everything the providers need from the outside, injectable for tests.
struct CredentialsContext {
  HttpTransport* transport = nullptr;  // required for STS, container and IMDS sources
  Clock* clock = nullptr;              // required
  EnvLookup getenv = ProcessEnv;
  // STS region; empty: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1.
  std::string region;
  // The connection's endpoint override (ferry sandbox, LocalStack) also serves STS.
  std::string sts_endpoint_override;
  std::string container_host = "http://169.254.170.2";  // for RELATIVE_URI
  // Empty: AWS_EC2_METADATA_SERVICE_ENDPOINT, then http://169.254.169.254.
  std::string imds_endpoint;
  std::chrono::milliseconds metadata_timeout{1'000};
  std::chrono::milliseconds process_timeout{30'000};
  std::chrono::minutes refresh_before{5};
  std::string home;  // empty: $HOME

  std::string Env(std::string_view name) const;  // "" when unset
  std::string StsRegion() const;
};

// Builds an StsClient for the context's region and override. kInvalidArgument for a bad region.
Result<std::unique_ptr<StsClient>> MakeStsClient(const CredentialsContext& ctx);

// Long-term keys given explicitly (a connection's "keys" mode, resolved from a secret).
class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials creds);
  Result<Credentials> Resolve() override;

 private:
  const Credentials creds_;
};

class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(CredentialsContext ctx) : ctx_(std::move(ctx)) {}
  Result<Credentials> Resolve() override;

 private:
  const CredentialsContext ctx_;
};

// Caches what `inner` returns until refresh_before its expiration (forever without one).
class CachingProvider final : public CredentialsProvider {
 public:
  CachingProvider(std::unique_ptr<CredentialsProvider> inner, Clock& clock,
                  std::chrono::milliseconds refresh_before);
  Result<Credentials> Resolve() override;

 private:
  std::unique_ptr<CredentialsProvider> inner_;
  Clock& clock_;
  const std::chrono::milliseconds refresh_before_;
  std::mutex mu_;                      // held across a refresh so concurrent callers refresh once
  std::optional<Credentials> cached_;  // guarded by mu_
};

// STS AssumeRole on top of any source (a connection's assumeRole, a profile's role_arn).
class AssumeRoleProvider final : public CredentialsProvider {
 public:
  AssumeRoleProvider(std::unique_ptr<CredentialsProvider> source, std::unique_ptr<StsClient> sts,
                     AssumeRoleRequest request);
  Result<Credentials> Resolve() override;

 private:
  std::unique_ptr<CredentialsProvider> source_;
  std::unique_ptr<StsClient> sts_;
  const AssumeRoleRequest request_;
};

// AssumeRoleWithWebIdentity with a token file re-read on every refresh (kubelet rotates it).
// From the environment (role_arn empty: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE,
// AWS_ROLE_SESSION_NAME) or from a profile (explicit values).
class WebIdentityProvider final : public CredentialsProvider {
 public:
  WebIdentityProvider(CredentialsContext ctx, std::string role_arn = "",
                      std::string token_file = "", std::string session_name = "");
  Result<Credentials> Resolve() override;

 private:
  const CredentialsContext ctx_;
  const std::string role_arn_, token_file_, session_name_;
};

class ChainProvider final : public CredentialsProvider {
 public:
  ChainProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers,
                std::vector<std::string> names);
  Result<Credentials> Resolve() override;

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
  const std::vector<std::string> names_;
  std::mutex mu_;
  CredentialsProvider* winner_ = nullptr;  // guarded by mu_
};

// The standard chain described above, each temporary source behind a CachingProvider.
std::unique_ptr<CredentialsProvider> DefaultCredentialsChain(const CredentialsContext& ctx);

// A connection's credentials: explicit keys (mode "keys") or the default chain, optionally
// with an AssumeRole (role ARN, ExternalId, session name, duration) on top, cached.
struct ConnectionCredentialsConfig {
  std::optional<Credentials> explicit_keys;
  std::optional<AssumeRoleRequest> assume_role;
};
Result<std::unique_ptr<CredentialsProvider>> MakeConnectionCredentials(
    const ConnectionCredentialsConfig& config, const CredentialsContext& ctx);

// Registers a resolved credential's secrets with SecretMasker::Global().
void RegisterSecrets(const Credentials& creds);

}  // namespace ferry::aws
