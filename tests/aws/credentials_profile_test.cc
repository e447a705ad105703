// Credential sources that need no metadata service: explicit keys, environment, the shared
// credentials/config files (profiles, role chains, cycles, credential_process), and the chain's
// order. STS is FakeSts, a local stand-in (see fake_sts.h).
#include "aws/credentials_profile.h"

#include <gtest/gtest.h>

#include "aws/credentials_test_util.h"
#include "aws/fake_sts.h"
#include "common/secret_mask.h"

namespace ferry::aws {
namespace {

using test_support::CredentialsFixture;
using test_support::FakeSts;

class ProfileTest : public CredentialsFixture {
 protected:
  ProfileTest() { sts_override_ = sts_.url(); }
  Result<Credentials> ResolveChain() { return DefaultCredentialsChain(Context())->Resolve(); }
  FakeSts sts_;
};

TEST_F(ProfileTest, ExplicitKeys) {
  StaticProvider p({"AKIDEXPLICIT", "explicit-secret-123", "", std::nullopt, "keys"});
  auto c = p.Resolve();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDEXPLICIT");
  EXPECT_EQ(MaskSecrets("k=explicit-secret-123"), "k=****");
  StaticProvider empty({"AKID", "", "", std::nullopt, "keys"});
  EXPECT_EQ(empty.Resolve().error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ProfileTest, Environment) {
  EnvironmentProvider p(Context());
  EXPECT_EQ(p.Resolve().error().code, ErrorCode::kNotFound);
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  auto partial = p.Resolve();
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().code, ErrorCode::kInvalidArgument);
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret-abcdef";
  env_["AWS_SESSION_TOKEN"] = "env-session-token-xyz";
  auto c = p.Resolve();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->secret_access_key, "env-secret-abcdef");
  EXPECT_EQ(c->session_token, "env-session-token-xyz");
  EXPECT_EQ(c->source, "environment");
  EXPECT_EQ(MaskSecrets("env-session-token-xyz"), "****");
}

TEST_F(ProfileTest, NothingConfiguredIsNotFound) {
  auto c = ResolveChain();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
  EXPECT_NE(c.error().message.find("environment, web identity, shared profile, container, imds"),
            std::string::npos)
      << c.error().message;
}

TEST_F(ProfileTest, EnvironmentBeatsProfile) {
  home_.Write(".aws/credentials",
              "[default]\naws_access_key_id = AKIDFILE\n"
              "aws_secret_access_key = file-secret-1\n");
  auto c = ResolveChain();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDFILE");
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret-2";
  c = ResolveChain();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDENV");
}

TEST_F(ProfileTest, ProfileSelectionAndFileLocations) {
  std::string creds = home_.Write("elsewhere/creds",
                                  "# comment\n[default]\naws_access_key_id=AKIDDEFAULT\n"
                                  "aws_secret_access_key=default-secret\n\n"
                                  "[dev]\r\naws_access_key_id = AKIDDEV ; inline comment\r\n"
                                  "aws_secret_access_key = dev#secret\r\n"
                                  "aws_session_token = dev-token-1\r\n");
  std::string config = home_.Write("elsewhere/config",
                                   "[profile dev]\naws_access_key_id = AKIDFROMCONFIG\n"
                                   "region = eu-west-1\n s3 =\n  max_concurrent_requests = 2\n"
                                   "[sso-session x]\nsso_region = us-east-1\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = creds;
  env_["AWS_CONFIG_FILE"] = config;
  env_["AWS_PROFILE"] = "dev";
  auto c = ResolveChain();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDDEV");  // the credentials file wins over config
  EXPECT_EQ(c->secret_access_key, "dev#secret");
  EXPECT_EQ(c->session_token, "dev-token-1");
  env_["AWS_PROFILE"] = "missing";
  auto missing = ResolveChain();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.error().message.find("\"missing\""), std::string::npos);
}

TEST_F(ProfileTest, MalformedFiles) {
  EXPECT_FALSE(ParseProfileFile("[default\nx=1\n", false).ok());
  EXPECT_FALSE(ParseProfileFile("[default]\njust a line\n", false).ok());
  EXPECT_FALSE(ParseProfileFile("[]\n", false).ok());
  EXPECT_EQ(ParseProfileFile(std::string(2 * 1024 * 1024, 'x'), false).error().code,
            ErrorCode::kPayloadTooLarge);
  home_.Write(".aws/credentials", "[default]\naws_access_key_id = AKIDONLY\n");
  auto c = ResolveChain();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  home_.Write(".aws/credentials", "[default\n");
  EXPECT_EQ(ResolveChain().error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ProfileTest, SourceProfileRoleChainWithExternalId) {
  sts_.AddKey("AKIDBASE", "base-secret-0001");
  home_.Write(".aws/credentials",
              "[base]\naws_access_key_id = AKIDBASE\n"
              "aws_secret_access_key = base-secret-0001\n");
  home_.Write(".aws/config",
              "[profile mid]\nrole_arn = arn:aws:iam::111111111111:role/mid\n"
              "source_profile = base\nrole_session_name = mid-session\n"
              "[profile top]\nrole_arn = arn:aws:iam::222222222222:role/top\n"
              "source_profile = mid\nexternal_id = ext-top-1\nduration_seconds = 900\n");
  env_["AWS_PROFILE"] = "top";
  auto c = ResolveChain();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAFAKE2");
  auto calls = sts_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].access_key_id, "AKIDBASE");
  EXPECT_EQ(calls[0].form["RoleArn"], "arn:aws:iam::111111111111:role/mid");
  EXPECT_EQ(calls[0].form["RoleSessionName"], "mid-session");
  EXPECT_EQ(calls[0].form.count("ExternalId"), 0u);
  EXPECT_EQ(calls[1].access_key_id, "ASIAFAKE1");  // signed with the mid role's credentials
  EXPECT_EQ(calls[1].form["ExternalId"], "ext-top-1");
  EXPECT_EQ(calls[1].form["DurationSeconds"], "900");
}

TEST_F(ProfileTest, SelfReferencingSourceProfile) {
  sts_.AddKey("AKIDSELF", "self-secret-0001");
  home_.Write(".aws/config",
              "[default]\nrole_arn = arn:aws:iam::111111111111:role/r\n"
              "source_profile = default\naws_access_key_id = AKIDSELF\n"
              "aws_secret_access_key = self-secret-0001\n");
  auto c = ResolveChain();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(sts_.calls()[0].access_key_id, "AKIDSELF");
}

TEST_F(ProfileTest, SourceProfileCyclesAreRejected) {
  home_.Write(".aws/config",
              "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\n"
              "source_profile = b\n"
              "[profile b]\nrole_arn = arn:aws:iam::111111111111:role/b\n"
              "source_profile = c\n"
              "[profile c]\nrole_arn = arn:aws:iam::111111111111:role/c\n"
              "source_profile = a\n");
  env_["AWS_PROFILE"] = "a";
  auto c = ResolveChain();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message.find("a -> b -> c -> a"), std::string::npos) << c.error().message;
  EXPECT_EQ(sts_.call_count(), 0u);
}

TEST_F(ProfileTest, RoleProfileMisconfigurations) {
  for (const char* config :
       {"[default]\nrole_arn = arn:aws:iam::111111111111:role/a\n",
        "[default]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = x\n"
        "credential_source = Environment\n",
        "[default]\nrole_arn = arn:aws:iam::111111111111:role/a\ncredential_source = Bogus\n",
        "[default]\nrole_arn = not-an-arn\ncredential_source = Environment\n",
        "[default]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = nope\n",
        "[default]\nregion = us-east-1\n"}) {
    home_.Write(".aws/config", config);
    auto c = ResolveChain();
    ASSERT_FALSE(c.ok()) << config;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument) << config << c.error().ToString();
  }
}

TEST_F(ProfileTest, CredentialSourceEnvironment) {
  sts_.AddKey("AKIDENVSRC", "env-src-secret-1");
  env_["AWS_ACCESS_KEY_ID"] = "AKIDENVSRC";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-src-secret-1";
  home_.Write(".aws/config",
              "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/a\n"
              "credential_source = Environment\n");
  ProfileProvider p(Context(), "r");
  auto c = p.Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAFAKE1");
}

TEST_F(ProfileTest, CredentialProcess) {
  std::string script =
      home_.Write("bin/creds.sh",
                  "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": "
                  "\"proc-secret-1234\", \"SessionToken\": \"proc-token-5678\", \"Expiration\": "
                  "\"2027-01-15T08:00:00Z\"}'\n");
  home_.Write(".aws/config", "[default]\ncredential_process = sh " + script + " --flag\n");
  auto c = ResolveChain();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->session_token, "proc-token-5678");
  ASSERT_TRUE(c->expiration);
  EXPECT_EQ(MaskSecrets("proc-secret-1234"), "****");
}

TEST_F(ProfileTest, CredentialProcessFailures) {
  struct Case {
    std::string command;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"exit 3", ErrorCode::kUnavailable},
      {"echo not json", ErrorCode::kUnavailable},
      {"echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": "
       "\"leaked-secret-v2\"}'",
       ErrorCode::kUnavailable},
      {"echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'", ErrorCode::kUnavailable},
      {"echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"s-1234\", "
       "\"Expiration\": \"tomorrow\"}'",
       ErrorCode::kUnavailable},
      {"head -c 100000 /dev/zero", ErrorCode::kUnavailable},
      {"sleep 30", ErrorCode::kDeadlineExceeded},
      {"/nonexistent/binary", ErrorCode::kUnavailable},
  };
  for (const auto& c : cases) {
    ProcessProvider p(c.command, std::chrono::milliseconds(300));
    auto r = p.Resolve();
    ASSERT_FALSE(r.ok()) << c.command;
    EXPECT_EQ(r.error().code, c.code) << c.command << ": " << r.error().ToString();
    EXPECT_EQ(r.error().message.find("leaked-secret"), std::string::npos);
  }
  EXPECT_EQ(MaskSecrets("leaked-secret-v2"), "****");
}

}  // namespace
}  // namespace ferry::aws
