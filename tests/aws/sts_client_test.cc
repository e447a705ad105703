// StsClient against FakeSts (a local stand-in for AWS STS that verifies our SigV4 signatures;
// see fake_sts.h). The same client is exercised against `ferry sandbox` by the sandbox suites.
#include "aws/sts_client.h"

#include <gtest/gtest.h>

#include "aws/curl_transport.h"
#include "aws/fake_sts.h"
#include "common/secret_mask.h"

namespace ferry::aws {
namespace {

using test_support::FakeSts;

constexpr char kRole[] = "arn:aws:iam::123456789012:role/deployer";

class StsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport_ = std::move(CurlTransport::Create()).value();
    sts_.AddKey("AKIDSOURCE", kSecret);
    client_ = std::make_unique<StsClient>(*transport_, clock_, StsConfig{sts_.url(), "us-east-1"});
  }
  Credentials Source() const { return {"AKIDSOURCE", kSecret, "", std::nullopt, "test"}; }

  static constexpr char kSecret[] = "source-secret-key-0123456789";
  FakeSts sts_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  std::unique_ptr<CurlTransport> transport_;
  std::unique_ptr<StsClient> client_;
};

TEST_F(StsClientTest, GetCallerIdentityIsSigned) {
  auto id = client_->GetCallerIdentity(Source());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(id->account, "123456789012");
  EXPECT_EQ(id->arn, "arn:aws:iam::123456789012:user/AKIDSOURCE");
  EXPECT_EQ(id->request_id, "req-1");
  ASSERT_EQ(sts_.call_count(), 1u);
  auto call = sts_.calls()[0];
  EXPECT_TRUE(call.signed_request);
  EXPECT_EQ(call.form["Action"], "GetCallerIdentity");
  EXPECT_EQ(call.form["Version"], "2011-06-15");
}

TEST_F(StsClientTest, WrongSecretIsUnauthenticated) {
  Credentials bad = Source();
  bad.secret_access_key = "not-the-right-secret-xyz";
  auto id = client_->GetCallerIdentity(bad);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(id.error().details.at("aws_code"), "SignatureDoesNotMatch");
  EXPECT_EQ(id.error().message.find("not-the-right-secret"), std::string::npos);
}

TEST_F(StsClientTest, AssumeRoleWithExternalId) {
  AssumeRoleRequest req{kRole, "ferry-deploy", "ext-id:42", std::chrono::seconds(1800)};
  auto role = client_->AssumeRole(Source(), req);
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  EXPECT_EQ(role->credentials.access_key_id, "ASIAFAKE1");
  EXPECT_FALSE(role->credentials.session_token.empty());
  ASSERT_TRUE(role->credentials.expiration);
  EXPECT_EQ(*role->credentials.expiration, TimePoint(std::chrono::seconds(1'800'003'600)));
  EXPECT_EQ(role->assumed_role_arn, std::string(kRole) + "/ferry-deploy");
  EXPECT_EQ(role->request_id, "req-1");
  auto call = sts_.calls()[0];
  EXPECT_EQ(call.form["RoleArn"], kRole);
  EXPECT_EQ(call.form["RoleSessionName"], "ferry-deploy");
  EXPECT_EQ(call.form["ExternalId"], "ext-id:42");
  EXPECT_EQ(call.form["DurationSeconds"], "1800");
  // The new secrets are masked from now on.
  EXPECT_EQ(MaskSecrets("x " + role->credentials.secret_access_key), "x ****");
  EXPECT_EQ(MaskSecrets(role->credentials.session_token), "****");
  // And they work.
  EXPECT_TRUE(client_->GetCallerIdentity(role->credentials).ok());
  EXPECT_EQ(sts_.calls()[1].session_token, role->credentials.session_token);
}

TEST_F(StsClientTest, WebIdentityIsUnsigned) {
  WebIdentityRequest req{kRole, "irsa", "eyJhbGciOiJSUzI1NiJ9.payload.sig",
                         std::chrono::seconds(3600)};
  auto role = client_->AssumeRoleWithWebIdentity(req);
  ASSERT_TRUE(role.ok()) << role.error().ToString();
  auto call = sts_.calls()[0];
  EXPECT_FALSE(call.signed_request);
  EXPECT_EQ(call.form["WebIdentityToken"], "eyJhbGciOiJSUzI1NiJ9.payload.sig");
  EXPECT_EQ(role->credentials.source, "web-identity");
}

TEST_F(StsClientTest, AwsErrorsCarryCodeMessageStatusAndRequestId) {
  sts_.Script(
      403, FakeSts::ErrorXml("AccessDenied", "User is not authorized to perform sts:AssumeRole"));
  auto role = client_->AssumeRole(Source(), {kRole, "s1", std::nullopt});
  ASSERT_FALSE(role.ok());
  const Error& e = role.error();
  EXPECT_EQ(e.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(e.details.at("aws_code"), "AccessDenied");
  EXPECT_EQ(e.details.at("http_status"), "403");
  EXPECT_EQ(e.details.at("request_id"), "req-1");
  EXPECT_EQ(e.details.at("operation"), "AssumeRole");
  EXPECT_NE(e.message.find("sts AssumeRole: AccessDenied"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("HTTP 403, request id req-1"), std::string::npos) << e.message;
  EXPECT_EQ(sts_.call_count(), 1u);  // not retried
}

TEST_F(StsClientTest, ThrottlingAndServerErrorsAreRetried) {
  sts_.Script(400, FakeSts::ErrorXml("Throttling", "Rate exceeded"));
  sts_.Script(503, "");
  auto id = client_->GetCallerIdentity(Source());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(sts_.call_count(), 3u);
  EXPECT_EQ(clock_.TotalSlept(), std::chrono::milliseconds(200 + 400));

  for (int i = 0; i < 3; ++i) sts_.Script(500, "<not xml");
  auto failed = client_->GetCallerIdentity(Source());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(failed.error().details.at("http_status"), "500");
}

TEST_F(StsClientTest, MalformedSuccessResponses) {
  for (const char* body :
       {"", "<not xml", "<AssumeRoleResponse/>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
        "<SecretAccessKey>leakable-secret-1</SecretAccessKey><SessionToken>T123</SessionToken>"
        "<Expiration>never</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><AssumeRoleResponse>&e;"
        "</AssumeRoleResponse>"}) {
    sts_.Script(200, body);
    auto role = client_->AssumeRole(Source(), {kRole, "s1", std::nullopt});
    ASSERT_FALSE(role.ok()) << body;
    EXPECT_EQ(role.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(role.error().message.find("leakable-secret-1"), std::string::npos);
    EXPECT_EQ(role.error().message.find("root:"), std::string::npos);
  }
}

TEST_F(StsClientTest, InvalidInputsNeverReachSts) {
  const std::vector<AssumeRoleRequest> bad = {
      {"", "s1", std::nullopt},
      {"arn:aws:iam::123:role/x", "s1", std::nullopt},
      {"arn:aws:iam::123456789012:user/x", "s1", std::nullopt},
      {"arn:aws:iam::123456789012:role/x&Action=Other", "s1", std::nullopt},
      {"arn:aws:s3:::123456789012:role/x", "s1", std::nullopt},
      {kRole, "", std::nullopt},
      {kRole, "x", std::nullopt},
      {kRole, "has space", std::nullopt},
      {kRole, std::string(65, 'a'), std::nullopt},
      {kRole, "s1", "x"},
      {kRole, "s1", "bad&ExternalId=1"},
      {kRole, "s1", std::nullopt, std::chrono::seconds(899)},
      {kRole, "s1", std::nullopt, std::chrono::seconds(43201)},
  };
  for (const auto& req : bad) {
    auto role = client_->AssumeRole(Source(), req);
    ASSERT_FALSE(role.ok()) << req.role_arn << " " << req.session_name;
    EXPECT_EQ(role.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(client_->AssumeRoleWithWebIdentity({kRole, "s1", ""}).ok());
  EXPECT_EQ(sts_.call_count(), 0u);
}

TEST_F(StsClientTest, UnreachableStsIsUnavailable) {
  StsClient dead(*transport_, clock_, StsConfig{"http://127.0.0.1:1", "us-east-1"});
  auto id = dead.GetCallerIdentity(Source());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(id.error().message.find(kSecret), std::string::npos);
}

}  // namespace
}  // namespace ferry::aws
