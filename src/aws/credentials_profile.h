// Shared credentials and config files (~/.aws/credentials, ~/.aws/config), as the AWS CLI reads
// them.
//
// Files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials, sections "[name]") and
// AWS_CONFIG_FILE (default ~/.aws/config, sections "[default]" / "[profile name]"); a key in
// the credentials file wins over the same key in the config file. Profile: AWS_PROFILE, else
// "default". Not configured (kNotFound) when neither file has the profile and AWS_PROFILE is
// unset; a named profile that does not exist is kInvalidArgument.
//
// A profile's credentials, in AWS's precedence:
//   role_arn with source_profile (a chain of profiles; cycles are kInvalidArgument, a profile may
//     name itself when it holds static keys), credential_source (Environment,
//     Ec2InstanceMetadata, EcsContainer) or web_identity_token_file; plus external_id,
//     role_session_name, duration_seconds → STS AssumeRole
//   aws_access_key_id + aws_secret_access_key (+ aws_session_token)
//   credential_process: a command run through /bin/sh whose stdout is
//     {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"?};
//     killed after ctx.process_timeout; stderr discarded.
// The provider tree is built on the first Resolve and kept; temporary credentials are cached.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "aws/credentials_chain.h"

namespace ferry::aws {

// section name → key → value ("profile " prefixes removed for config files).
using ProfileFile = std::map<std::string, std::map<std::string, std::string>>;
// kInvalidArgument with the line number for malformed content; kPayloadTooLarge past 1 MiB.
Result<ProfileFile> ParseProfileFile(std::string_view text, bool config_file);

class ProfileProvider final : public CredentialsProvider {
 public:
  // profile empty: AWS_PROFILE, else "default".
  explicit ProfileProvider(CredentialsContext ctx, std::string profile = "");
  Result<Credentials> Resolve() override;

 private:
  Result<std::unique_ptr<CredentialsProvider>> Build();

  const CredentialsContext ctx_;
  const std::string profile_;
  std::mutex mu_;
  std::unique_ptr<CredentialsProvider> built_;  // guarded by mu_
};

class ProcessProvider final : public CredentialsProvider {
 public:
  ProcessProvider(std::string command, std::chrono::milliseconds timeout)
      : command_(std::move(command)), timeout_(timeout) {}
  Result<Credentials> Resolve() override;

 private:
  const std::string command_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace ferry::aws
