#include "delegate/lambda/connection_credentials.h"

#include "aws/credentials_chain.h"
#include "aws/sts_client.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::delegate {
namespace {

constexpr char kDefaultSessionName[] = "ferry-delegate";

// The delegate's own provider, not owned (it outlives every connection).
class BorrowedProvider final : public aws::CredentialsProvider {
 public:
  explicit BorrowedProvider(aws::CredentialsProvider& inner) : inner_(inner) {}
  Result<aws::Credentials> Resolve() override { return inner_.Resolve(); }

 private:
  aws::CredentialsProvider& inner_;
};

Error Wrap(const lambda::LambdaTarget& target, const Error& e, std::string_view hint) {
  std::string message = DescribeConnection(target) + ": " + e.message;
  if (!hint.empty()) message += " (" + std::string(hint) + ")";
  return Error{e.code, SecretMasker::Global().Mask(message)};
}

// Prefixes a refresh failure (expired role, revoked key) with the connection it belongs to.
class LabelledProvider final : public aws::CredentialsProvider {
 public:
  LabelledProvider(std::unique_ptr<aws::CredentialsProvider> inner, lambda::LambdaTarget target)
      : inner_(std::move(inner)), target_(std::move(target)) {}
  Result<aws::Credentials> Resolve() override {
    auto creds = inner_->Resolve();
    if (!creds.ok()) return Wrap(target_, creds.error(), "");
    return creds;
  }

 private:
  std::unique_ptr<aws::CredentialsProvider> inner_;
  const lambda::LambdaTarget target_;
};

std::string AssumeRoleHint(const lambda::LambdaTarget& target) {
  return "check that the role's trust policy lets the " +
         std::string(target.credentials.mode == lambda::TargetCredentialsMode::kKeys
                         ? "connection's access key"
                         : "delegate's identity") +
         " call sts:AssumeRole" +
         (target.credentials.assume_role->external_id.empty()
              ? std::string()
              : " and that its sts:ExternalId condition matches the connection's externalId");
}

}  // namespace

std::string DescribeConnection(const lambda::LambdaTarget& target) {
  std::string text = "cloud provider " + QuoteForMessage(target.cloud_provider);
  if (target.credentials.assume_role) {
    text += " (role " + QuoteForMessage(target.credentials.assume_role->role_arn, 2048) + ")";
  }
  return text;
}

Result<ConnectionCredentials> OpenConnectionCredentials(const lambda::LambdaTarget& target,
                                                        const std::string& secret_value,
                                                        aws::CredentialsProvider& own,
                                                        aws::HttpTransport& transport,
                                                        Clock& clock) {
  const lambda::TargetCredentials& spec = target.credentials;
  aws::CredentialsContext ctx;
  ctx.transport = &transport;
  ctx.clock = &clock;
  ctx.region = target.region;
  ctx.sts_endpoint_override = target.endpoint;

  std::optional<aws::AssumeRoleRequest> assume;
  if (spec.assume_role) {
    aws::AssumeRoleRequest request;
    request.role_arn = spec.assume_role->role_arn;
    request.session_name = spec.assume_role->session_name.empty() ? kDefaultSessionName
                                                                  : spec.assume_role->session_name;
    if (!spec.assume_role->external_id.empty()) request.external_id = spec.assume_role->external_id;
    if (spec.assume_role->duration_seconds != 0) {
      request.duration = std::chrono::seconds(spec.assume_role->duration_seconds);
    }
    if (auto s = aws::ValidateRoleArn(request.role_arn); !s.ok())
      return Wrap(target, s.error(), "");
    if (auto s = aws::ValidateSessionName(request.session_name); !s.ok()) {
      return Wrap(target, s.error(), "");
    }
    assume = std::move(request);
  }

  std::unique_ptr<aws::CredentialsProvider> provider;
  if (spec.mode == lambda::TargetCredentialsMode::kKeys) {
    SecretMasker::Global().Register(secret_value);
    aws::ConnectionCredentialsConfig config;
    config.explicit_keys = aws::Credentials{spec.access_key_id, secret_value, "", std::nullopt,
                                            "cloud provider " + target.cloud_provider};
    config.assume_role = assume;
    auto made = aws::MakeConnectionCredentials(config, ctx);
    if (!made.ok()) return Wrap(target, made.error(), "");
    provider = std::move(*made);
  } else if (assume) {
    // Not MakeConnectionCredentials: it would build a fresh default chain, while the delegate's
    // identity is the provider it was configured with (static keys in tests, a profile, ...).
    auto sts = aws::MakeStsClient(ctx);
    if (!sts.ok()) return Wrap(target, sts.error(), "");
    provider = std::make_unique<aws::CachingProvider>(
        std::make_unique<aws::AssumeRoleProvider>(std::make_unique<BorrowedProvider>(own),
                                                  std::move(*sts), *assume),
        clock, ctx.refresh_before);
  } else {
    return Error{ErrorCode::kInternal, "the delegate's own credentials need no connection"};
  }

  auto creds = provider->Resolve();
  if (!creds.ok()) {
    return Wrap(target, creds.error(), assume ? AssumeRoleHint(target) : "");
  }
  auto sts = aws::MakeStsClient(ctx);
  if (!sts.ok()) return Wrap(target, sts.error(), "");
  auto identity = (*sts)->GetCallerIdentity(*creds);
  if (!identity.ok()) {
    std::string hint;
    if (identity.error().code == ErrorCode::kUnauthenticated) {
      hint = spec.mode == lambda::TargetCredentialsMode::kKeys && !assume
                 ? "check that secret " + QuoteForMessage(spec.secret_name) +
                       " holds the secret access key of access key id " +
                       QuoteForMessage(spec.access_key_id)
                 : "the credentials were refused";
    }
    return Wrap(target, identity.error(), hint);
  }
  ConnectionCredentials out;
  out.account = identity->account;
  out.provider = std::make_unique<LabelledProvider>(std::move(provider), target);
  return out;
}

}  // namespace ferry::delegate
