// Credential sources served over HTTP, each against its own local stand-in: cpp-httplib servers on
// 127.0.0.1 that fake the ECS/EKS container credential agent and the EC2 instance metadata
// service (IMDSv2), and FakeSts for web identity and AssumeRole. These are fakes written from
// AWS's documented wire formats, not AWS. Also: caching and refresh on the FakeClock, and that
// concurrent callers refresh once.
#include "aws/credentials_http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "aws/credentials_test_util.h"
#include "aws/fake_sts.h"
#include "common/json.h"
#include "common/secret_mask.h"

namespace ferry::aws {
namespace {

using test_support::CredentialsFixture;
using test_support::FakeSts;
using test_support::LocalHttpServer;

std::string CredsJson(const std::string& key,
                      const std::string& expiration = "2030-01-01T00:00:00Z") {
  return DumpJson(Json{{"Code", "Success"},
                       {"AccessKeyId", key},
                       {"SecretAccessKey", key + "-secret-value"},
                       {"Token", key + "-token-value"},
                       {"Expiration", expiration}});
}

class HttpSourcesTest : public CredentialsFixture {
 protected:
  HttpSourcesTest() { sts_override_ = sts_.url(); }
  FakeSts sts_;
};

// ---- Container credentials ----

struct FakeContainerAgent {
  std::atomic<int> calls{0};
  std::string last_authorization;  // written by the server thread before replying
  int status = 200;
  std::string body = CredsJson("ASIACONTAINER");
  LocalHttpServer server{[this](httplib::Server& s) {
    s.Get("/v2/credentials/abc", [this](const httplib::Request& req, httplib::Response& res) {
      calls++;
      last_authorization = req.get_header_value("Authorization");
      res.status = status;
      res.set_content(body, "application/json");
    });
  }};
};

TEST_F(HttpSourcesTest, ContainerRelativeUriWithTokenFile) {
  FakeContainerAgent agent;
  container_host_ = agent.server.url();
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = home_.Write("token", "container-auth-token-1\n");
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "ignored-when-file-set";
  auto c = DefaultCredentialsChain(Context())->Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(c->session_token, "ASIACONTAINER-token-value");
  EXPECT_EQ(c->source, "container");
  EXPECT_EQ(agent.last_authorization, "container-auth-token-1");
  EXPECT_EQ(MaskSecrets("container-auth-token-1"), "****");
}

TEST_F(HttpSourcesTest, ContainerFullUri) {
  FakeContainerAgent agent;
  env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = agent.server.url() + "/v2/credentials/abc";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "inline-auth-token";
  ContainerProvider p(Context());
  auto c = p.Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(agent.last_authorization, "inline-auth-token");
}

TEST_F(HttpSourcesTest, ContainerHostileConfigurationAndResponses) {
  FakeContainerAgent agent;
  for (const char* full :
       {"http://evil.example.com/creds", "http://169.254.169.254/x", "file:///etc/passwd",
        "http://user@127.0.0.1/x", "http://127.0.0.1/x\r\nHost: y"}) {
    env_["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = full;
    auto r = ContainerProvider(Context()).Resolve();
    ASSERT_FALSE(r.ok()) << full;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << full;
  }
  env_.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "@evil.com/x";
  EXPECT_EQ(ContainerProvider(Context()).Resolve().error().code, ErrorCode::kInvalidArgument);

  container_host_ = agent.server.url();
  env_["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "/v2/credentials/abc";
  env_["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "auth-token-leak-check";
  for (auto [status, body] :
       std::vector<std::pair<int, std::string>>{{500, "{}"},
                                                {200, "not json"},
                                                {200, "[1,2]"},
                                                {200, "{\"AccessKeyId\": 5}"},
                                                {200, CredsJson("ASIAX", "not-a-date")},
                                                {200, std::string(100'000, '{')}}) {
    agent.status = status;
    agent.body = body;
    auto r = ContainerProvider(Context()).Resolve();
    ASSERT_FALSE(r.ok()) << status << " " << body.substr(0, 40);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(r.error().message.find("auth-token-leak-check"), std::string::npos);
  }
  // A configured but unreachable agent is an error, not "not configured".
  container_host_ = "http://127.0.0.1:1";
  EXPECT_EQ(ContainerProvider(Context()).Resolve().error().code, ErrorCode::kUnavailable);
}

// ---- EC2 instance metadata (IMDSv2) ----

struct FakeImds {
  std::atomic<int> token_puts{0}, credential_gets{0};
  std::string role = "ferry-instance-role";
  std::string creds_body = CredsJson("ASIAIMDS");
  LocalHttpServer server{[this](httplib::Server& s) {
    s.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
        res.status = 400;
        return;
      }
      token_puts++;
      res.set_content("imds-session-token-123", "text/plain");
    });
    auto authorized = [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-aws-ec2-metadata-token") != "imds-session-token-123") {
        res.status = 401;
        return false;
      }
      return true;
    };
    s.Get("/latest/meta-data/iam/security-credentials/",
          [this, authorized](const httplib::Request& req, httplib::Response& res) {
            if (authorized(req, res)) res.set_content(role + "\n", "text/plain");
          });
    s.Get(R"(/latest/meta-data/iam/security-credentials/([^/]+))",
          [this, authorized](const httplib::Request& req, httplib::Response& res) {
            if (!authorized(req, res)) return;
            if (req.matches[1] != role) {
              res.status = 404;
              return;
            }
            credential_gets++;
            res.set_content(creds_body, "application/json");
          });
  }};
};

TEST_F(HttpSourcesTest, ImdsV2TokenRoleThenCredentials) {
  FakeImds imds;
  env_.erase("AWS_EC2_METADATA_DISABLED");
  env_["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.url();
  auto chain = DefaultCredentialsChain(Context());
  auto c = chain->Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS");
  EXPECT_EQ(c->source, "imds");
  EXPECT_EQ(imds.token_puts.load(), 1);
  EXPECT_EQ(imds.credential_gets.load(), 1);
  // Cached until shortly before expiry.
  ASSERT_TRUE(chain->Resolve().ok());
  EXPECT_EQ(imds.credential_gets.load(), 1);
}

TEST_F(HttpSourcesTest, ImdsUnreachableOrDisabledIsNotConfigured) {
  imds_endpoint_ = "http://127.0.0.1:1";
  env_.erase("AWS_EC2_METADATA_DISABLED");
  EXPECT_EQ(ImdsProvider(Context()).Resolve().error().code, ErrorCode::kNotFound);
  env_["AWS_EC2_METADATA_DISABLED"] = "true";
  FakeImds imds;
  imds_endpoint_ = imds.server.url();
  EXPECT_EQ(ImdsProvider(Context()).Resolve().error().code, ErrorCode::kNotFound);
  EXPECT_EQ(imds.token_puts.load(), 0);
}

TEST_F(HttpSourcesTest, ImdsHostileResponses) {
  FakeImds imds;
  env_.erase("AWS_EC2_METADATA_DISABLED");
  imds_endpoint_ = imds.server.url();
  imds.role = "../../evil";
  EXPECT_EQ(ImdsProvider(Context()).Resolve().error().code, ErrorCode::kUnavailable);
  imds.role = "ferry-instance-role";
  imds.creds_body = "{\"Code\": \"Failure\", \"Message\": \"no\"}";
  EXPECT_EQ(ImdsProvider(Context()).Resolve().error().code, ErrorCode::kUnavailable);
  imds.creds_body = "{";
  EXPECT_EQ(ImdsProvider(Context()).Resolve().error().code, ErrorCode::kUnavailable);
}

// ---- Web identity (IRSA) ----

TEST_F(HttpSourcesTest, WebIdentityFromEnvironmentRereadsTheTokenFile) {
  std::string token_file = home_.Write("irsa/token", "oidc-token-one\n");
  env_["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/irsa";
  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = token_file;
  env_["AWS_ROLE_SESSION_NAME"] = "pod-a";
  WebIdentityProvider p(Context());
  auto c = p.Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->source, "web-identity");
  home_.Write("irsa/token", "oidc-token-two\n");
  ASSERT_TRUE(p.Resolve().ok());
  auto calls = sts_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_FALSE(calls[0].signed_request);
  EXPECT_EQ(calls[0].form["WebIdentityToken"], "oidc-token-one");
  EXPECT_EQ(calls[1].form["WebIdentityToken"], "oidc-token-two");
  EXPECT_EQ(calls[0].form["RoleSessionName"], "pod-a");
  EXPECT_EQ(MaskSecrets("oidc-token-two"), "****");

  env_["AWS_WEB_IDENTITY_TOKEN_FILE"] = home_.path().string() + "/missing";
  auto missing = p.Resolve();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kUnavailable);
  env_.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  EXPECT_EQ(p.Resolve().error().code, ErrorCode::kInvalidArgument);
}

// ---- AssumeRole on top of a source, caching and refresh ----

TEST_F(HttpSourcesTest, AssumeRoleOnExplicitKeysCachesAndRefreshes) {
  sts_.AddKey("AKIDKEYS", "keys-secret-0001");
  ConnectionCredentialsConfig config;
  config.explicit_keys = Credentials{"AKIDKEYS", "keys-secret-0001", "", std::nullopt, "keys"};
  config.assume_role = AssumeRoleRequest{"arn:aws:iam::999999999999:role/x-acct", "ferry",
                                         "tenant-7", std::chrono::seconds(3600)};
  auto provider = MakeConnectionCredentials(config, Context());
  ASSERT_TRUE(provider.ok()) << provider.error().ToString();
  auto c = (*provider)->Resolve();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(sts_.calls()[0].form["ExternalId"], "tenant-7");
  EXPECT_EQ(sts_.calls()[0].access_key_id, "AKIDKEYS");
  // Expires at start + 1h; cached until 5 minutes before.
  clock_.Advance(std::chrono::minutes(54));
  ASSERT_TRUE((*provider)->Resolve().ok());
  EXPECT_EQ(sts_.call_count(), 1u);
  sts_.SetExpiration(clock_.Now() + std::chrono::hours(2));
  clock_.Advance(std::chrono::minutes(2));  // inside the refresh window
  auto refreshed = (*provider)->Resolve();
  ASSERT_TRUE(refreshed.ok());
  EXPECT_EQ(sts_.call_count(), 2u);
  EXPECT_NE(refreshed->access_key_id, c->access_key_id);
}

TEST_F(HttpSourcesTest, ConcurrentResolvesRefreshOnce) {
  sts_.AddKey("AKIDKEYS", "keys-secret-0001");
  ConnectionCredentialsConfig config;
  config.explicit_keys = Credentials{"AKIDKEYS", "keys-secret-0001", "", std::nullopt, "keys"};
  config.assume_role = AssumeRoleRequest{"arn:aws:iam::999999999999:role/r", "ferry", std::nullopt,
                                         std::chrono::seconds(3600)};
  auto provider = std::move(MakeConnectionCredentials(config, Context())).value();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (!provider->Resolve().ok()) failures++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(sts_.call_count(), 1u);
}

TEST_F(HttpSourcesTest, FailedRefreshServesUnexpiredCredentialsThenFails) {
  sts_.AddKey("AKIDKEYS", "keys-secret-0001");
  ConnectionCredentialsConfig config;
  config.explicit_keys = Credentials{"AKIDKEYS", "keys-secret-0001", "", std::nullopt, "keys"};
  config.assume_role = AssumeRoleRequest{"arn:aws:iam::999999999999:role/r", "ferry", std::nullopt,
                                         std::chrono::seconds(3600)};
  auto provider = std::move(MakeConnectionCredentials(config, Context())).value();
  auto first = provider->Resolve();
  ASSERT_TRUE(first.ok());
  clock_.Advance(std::chrono::minutes(57));
  sts_.Script(403, FakeSts::ErrorXml("AccessDenied", "revoked"));
  auto still = provider->Resolve();
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->access_key_id, first->access_key_id);
  clock_.Advance(std::chrono::minutes(5));  // now past expiry
  sts_.Script(403, FakeSts::ErrorXml("AccessDenied", "revoked"));
  auto failed = provider->Resolve();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kPermissionDenied);
  for (const char* secret :
       {"keys-secret-0001", first->secret_access_key.c_str(), first->session_token.c_str()}) {
    EXPECT_EQ(failed.error().ToString().find(secret), std::string::npos);
  }
}

TEST_F(HttpSourcesTest, AssumeRoleWithoutSourceIsAnError) {
  ConnectionCredentialsConfig config;
  config.assume_role = AssumeRoleRequest{"arn:aws:iam::999999999999:role/r", "ferry", std::nullopt,
                                         std::chrono::seconds(3600)};
  auto provider = std::move(MakeConnectionCredentials(config, Context())).value();
  auto r = provider->Resolve();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  config.assume_role->role_arn = "arn:aws:iam::1:role/r";
  EXPECT_FALSE(MakeConnectionCredentials(config, Context()).ok());
}

}  // namespace
}  // namespace ferry::aws
