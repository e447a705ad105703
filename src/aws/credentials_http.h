// Credential sources served over HTTP by the machine Ferry runs on.
//
// ContainerProvider (ECS task roles, EKS Pod Identity):
//   AWS_CONTAINER_CREDENTIALS_RELATIVE_URI → GET <ctx.container_host><relative uri>, or
//   AWS_CONTAINER_CREDENTIALS_FULL_URI → GET that URL, which must be https, or http to a
//   loopback address or to the ECS/EKS agents (169.254.170.2, 169.254.170.23, fd00:ec2::23).
//   Authorization header from the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read each
//   time, it rotates) or AWS_CONTAINER_AUTHORIZATION_TOKEN. Response JSON: AccessKeyId,
//   SecretAccessKey, Token, Expiration.
//
// ImdsProvider (EC2 instance profiles), IMDSv2 only:
//   PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds: 21600) → token;
//   GET /latest/meta-data/iam/security-credentials/ → role name;
//   GET /latest/meta-data/iam/security-credentials/<role> → Code, AccessKeyId, SecretAccessKey,
//   Token, Expiration. Disabled by AWS_EC2_METADATA_DISABLED=true; endpoint from
//   ctx.imds_endpoint or AWS_EC2_METADATA_SERVICE_ENDPOINT. When the metadata service can't be
//   reached at all the source counts as not configured (kNotFound): Ferry is not on EC2.
//
// Both are thread-safe and uncached (wrap them in CachingProvider); bodies are bounded and
// parsed defensively; messages never contain the authorization token or the credentials.
#pragma once

#include "aws/credentials_chain.h"

namespace ferry::aws {

class ContainerProvider final : public CredentialsProvider {
 public:
  explicit ContainerProvider(CredentialsContext ctx) : ctx_(std::move(ctx)) {}
  Result<Credentials> Resolve() override;

 private:
  const CredentialsContext ctx_;
};

class ImdsProvider final : public CredentialsProvider {
 public:
  explicit ImdsProvider(CredentialsContext ctx) : ctx_(std::move(ctx)) {}
  Result<Credentials> Resolve() override;

 private:
  const CredentialsContext ctx_;
};

// Parses the JSON shape both services (and credential_process, with SessionToken) return.
// `source` names the provider for messages.
Result<Credentials> ParseCredentialsJson(std::string_view body, std::string_view source,
                                         std::string_view token_field);

}  // namespace ferry::aws
