// Issue 4 item 9: nothing secret — secret keys, session tokens, Authorization headers, pre-signed
// URLs — reaches a log line. Resolved credentials are registered with the global SecretMasker
// by the providers; signature-bearing shapes are masked even when never registered.
#include <gtest/gtest.h>

#include "aws/credentials_chain.h"
#include "aws/sigv4.h"
#include "common/log.h"
#include "common/secret_mask.h"

namespace ferry::aws {
namespace {

TEST(SecretsTest, ResolvedCredentialsAndSignaturesNeverReachLogs) {
  CredentialsContext ctx;
  FakeClock clock;
  ctx.clock = &clock;
  ctx.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "AWS_ACCESS_KEY_ID") return "AKIDLOGTEST";
    if (name == "AWS_SECRET_ACCESS_KEY") return "log-test-secret-key-42";
    if (name == "AWS_SESSION_TOKEN") return "log-test-session-token-43";
    return std::nullopt;
  };
  auto creds = EnvironmentProvider(ctx).Resolve();
  ASSERT_TRUE(creds.ok());

  HttpRequest request;
  request.url = "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions";
  SigningParams params{"us-east-1", "lambda", clock.Now()};
  SignRequest(request, *creds, params);
  std::string authorization;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") authorization = value;
  }
  std::string signature = authorization.substr(authorization.find("Signature=") + 10);
  std::string presigned = PresignUrl(request, *creds, params, std::chrono::seconds(60));
  std::string presigned_signature = presigned.substr(presigned.find("X-Amz-Signature=") + 16);

  std::vector<std::string> lines;
  {
    log::CaptureLog capture([&](const std::string& line) { lines.push_back(line); });
    log::Info("credentials",
              {{"secret", creds->secret_access_key}, {"token", creds->session_token}});
    log::Info("request", {{"header", "Authorization: " + authorization}});
    log::Warn("presigned " + presigned);
    log::Error(
        Error{ErrorCode::kUnavailable, "failed with " + creds->secret_access_key, {}}.ToString());
  }
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& line : lines) {
    for (const std::string& secret :
         {creds->secret_access_key, creds->session_token, signature, presigned_signature}) {
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
    }
  }
}

}  // namespace
}  // namespace ferry::aws
