// The sandbox front's pieces: fault rules, quotas, credentials, SigV4 verification, snapshots.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "aws/sigv4.h"
#include "common/json.h"
#include "sandbox/auth.h"
#include "sandbox/credentials.h"
#include "sandbox/faults.h"
#include "sandbox/quota.h"
#include "sandbox/snapshot.h"
#include "support/temp_dir.h"

namespace ferry::sandbox {
namespace {

TEST(FaultRuleTest, ParsesTheFlagSyntax) {
  auto rule = ParseFaultRule("op=Invoke,rate=0.25,code=ServiceException,latency=300ms");
  ASSERT_TRUE(rule.ok()) << rule.error().ToString();
  EXPECT_EQ(rule->operation, "Invoke");
  EXPECT_DOUBLE_EQ(rule->rate, 0.25);
  EXPECT_EQ(rule->code, "ServiceException");
  EXPECT_EQ(rule->latency, std::chrono::milliseconds(300));
  auto scoped = ParseFaultRule("op=lambda:ListFunctions,code=TooManyRequestsException");
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(scoped->service, "lambda");
  EXPECT_EQ(DefaultStatusForCode("TooManyRequestsException"), 429);
}

TEST(FaultRuleTest, RejectsMalformedAndHostileSpecs) {
  for (const char* bad : {"op=Invoke", "rate=2,code=X", "op=Invoke,rate=abc,code=X", "nonsense",
                          "op=Invoke,code=X,unknown=1", "op=Inv oke,code=X",
                          "op=Invoke,code=X,latency=forever", "op=Invoke,code=X,status=200"}) {
    EXPECT_FALSE(ParseFaultRule(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseFaultRule(std::string(10000, 'x')).ok());
}

TEST(FaultInjectorTest, SameSeedSameDecisions) {
  auto run = [](uint64_t seed) {
    FaultInjector faults(seed);
    faults.Add(*ParseFaultRule("op=Invoke,rate=0.5,code=ServiceException"));
    std::string pattern;
    for (int i = 0; i < 64; ++i) pattern += faults.Decide("lambda", "Invoke").error ? '1' : '0';
    return pattern;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  FaultInjector faults(1);
  faults.Add(*ParseFaultRule("op=Invoke,rate=1,code=ServiceException"));
  EXPECT_FALSE(faults.Decide("lambda", "GetFunction").error);
  EXPECT_TRUE(faults.Decide("lambda", "Invoke").error);
}

TEST(QuotaLimiterTest, FifteenPerSecondThenThrottledUntilRefill) {
  FakeClock clock;
  QuotaLimiter quotas(clock);
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(quotas.Take("a", "ControlPlane", 15).allowed) << i;
  QuotaVerdict denied = quotas.Take("a", "ControlPlane", 15);
  EXPECT_FALSE(denied.allowed);
  EXPECT_GE(denied.retry_after_seconds, 1);
  EXPECT_TRUE(quotas.Take("b", "ControlPlane", 15).allowed) << "quotas are per account";
  clock.Advance(std::chrono::milliseconds(200));
  EXPECT_TRUE(quotas.Take("a", "ControlPlane", 15).allowed);
  EXPECT_EQ(LambdaOperationRate("GetFunction"), 100);
  EXPECT_EQ(LambdaOperationRate("Invoke"), 0);
  EXPECT_EQ(LambdaOperationRate("UpdateFunctionCode"), 15);
}

Request SignedRequest(const std::string& key, const std::string& secret, const std::string& token,
                      TimePoint when) {
  aws::HttpRequest http;
  http.method = "GET";
  http.url = "http://127.0.0.1:4566/2015-03-31/functions/";
  http.headers = {{"Host", "127.0.0.1:4566"}};
  aws::Credentials creds{key, secret, token, std::nullopt, "test"};
  aws::SigningParams params;
  params.region = "us-east-1";
  params.service = "lambda";
  params.time = when;
  aws::SignRequest(http, creds, params);
  Request r;
  r.method = "GET";
  r.raw_path = r.path = "/2015-03-31/functions/";
  r.host = "127.0.0.1:4566";
  for (const auto& [name, value] : http.headers) {
    std::string lower;
    for (char c : name) lower.push_back(static_cast<char>(std::tolower(c)));
    r.headers[lower] = value;
  }
  return r;
}

std::variant<Caller, AuthFailure> Verify(const Authenticator& auth, const Request& r) {
  auto parsed = ParseSignature(r);
  if (auto* failure = std::get_if<AuthFailure>(&parsed)) return *failure;
  if (std::holds_alternative<std::monostate>(parsed)) {
    return AuthFailure{AuthFailureKind::kMissing, ""};
  }
  return auth.Verify(r, std::get<aws::SignatureParts>(parsed));
}

TEST(AuthenticatorTest, AcceptsGoodSignaturesAndNamesEachFailure) {
  FakeClock clock;
  CredentialStore creds(clock);
  ASSERT_TRUE(creds.AddLongTermKey(kDefaultAccountId, "test", "test").ok());
  Authenticator auth(creds, clock);

  auto ok = Verify(auth, SignedRequest("test", "test", "", clock.Now()));
  ASSERT_TRUE(std::holds_alternative<Caller>(ok));
  EXPECT_EQ(std::get<Caller>(ok).account_id, kDefaultAccountId);
  EXPECT_EQ(std::get<Caller>(ok).region, "us-east-1");

  auto kind = [&](const Request& r) { return std::get<AuthFailure>(Verify(auth, r)).kind; };
  EXPECT_EQ(kind(SignedRequest("test", "wrong", "", clock.Now())), AuthFailureKind::kBadSignature);
  EXPECT_EQ(kind(SignedRequest("nobody", "x", "", clock.Now())), AuthFailureKind::kUnknownKey);
  EXPECT_EQ(kind(SignedRequest("test", "test", "", clock.Now() - std::chrono::minutes(20))),
            AuthFailureKind::kRequestTimeSkewed);
  // Dated in the future: refused as not yet current, not as expired (issue 18).
  auto future = std::get<AuthFailure>(
      Verify(auth, SignedRequest("test", "test", "", clock.Now() + std::chrono::minutes(20))));
  EXPECT_EQ(future.kind, AuthFailureKind::kRequestTimeSkewed);
  EXPECT_THAT(future.detail, ::testing::StartsWith("Signature not yet current: "));
  EXPECT_THAT(
      std::get<AuthFailure>(
          Verify(auth, SignedRequest("test", "test", "", clock.Now() - std::chrono::minutes(20))))
          .detail,
      ::testing::StartsWith("Signature expired: "));
  Request tampered = SignedRequest("test", "test", "", clock.Now());
  tampered.raw_path = tampered.path = "/2015-03-31/functions/other";
  EXPECT_EQ(kind(tampered), AuthFailureKind::kBadSignature);
  Request unsigned_request;
  unsigned_request.method = "GET";
  unsigned_request.raw_path = "/";
  EXPECT_EQ(kind(unsigned_request), AuthFailureKind::kMissing);
  Request garbage = unsigned_request;
  garbage.headers["authorization"] = "AWS4-HMAC-SHA256 Credential=" + std::string(9000, 'x');
  EXPECT_EQ(kind(garbage), AuthFailureKind::kMalformed);

  EXPECT_EQ(AuthErrorFor("lambda", {AuthFailureKind::kBadSignature, ""}).code,
            "InvalidSignatureException");
  EXPECT_EQ(AuthErrorFor("sts", {AuthFailureKind::kUnknownKey, ""}).code, "InvalidClientTokenId");
  EXPECT_EQ(AuthErrorFor("s3", {AuthFailureKind::kExpiredToken, ""}).code, "ExpiredToken");
  EXPECT_EQ(AuthErrorFor("lambda", {AuthFailureKind::kExpiredToken, ""}).code,
            "ExpiredTokenException");
}

TEST(AuthenticatorTest, TemporaryCredentialsExpire) {
  FakeClock clock;
  CredentialStore creds(clock);
  SequentialIdGenerator ids;
  Principal temp =
      creds.IssueTemporary(kDefaultAccountId, "arn:aws:sts::000000000000:assumed-role/r/s",
                           "AROA:s", std::chrono::seconds(900), ids);
  EXPECT_EQ(temp.access_key_id.rfind("ASIA", 0), 0u);
  Authenticator auth(creds, clock);
  auto signed_now = [&] {
    return SignedRequest(temp.access_key_id, temp.secret_access_key, temp.session_token,
                         clock.Now());
  };
  EXPECT_TRUE(std::holds_alternative<Caller>(Verify(auth, signed_now())));
  EXPECT_EQ(
      std::get<AuthFailure>(
          Verify(auth, SignedRequest(temp.access_key_id, temp.secret_access_key, "", clock.Now())))
          .kind,
      AuthFailureKind::kInvalidToken);
  clock.Advance(std::chrono::seconds(901));
  EXPECT_EQ(std::get<AuthFailure>(Verify(auth, signed_now())).kind, AuthFailureKind::kExpiredToken);
}

TEST(CredentialStoreTest, RejectsMalformedAccounts) {
  FakeClock clock;
  CredentialStore creds(clock);
  EXPECT_FALSE(creds.AddFromSpec("12345:key:secret").ok());
  EXPECT_FALSE(creds.AddFromSpec("111111111111:key").ok());
  EXPECT_FALSE(creds.AddFromSpec("111111111111:bad key:secret").ok());
  EXPECT_TRUE(creds.AddFromSpec("111111111111:AKIAOTHER:secret").ok());
  EXPECT_TRUE(std::holds_alternative<Principal>(creds.Lookup("AKIAOTHER", "")));
}

TEST(SnapshotFileTest, RoundTripsAndRefusesCorruptFiles) {
  test::TempDir temp;
  const std::filesystem::path dir = temp.path() / "snap";
  SnapshotFile file(dir / "state.json");
  auto missing = file.Load();
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(file.Save(Json{{"a", 1}}).ok());
  auto loaded = file.Load();
  ASSERT_TRUE(loaded.ok() && loaded->has_value());
  EXPECT_EQ((**loaded)["a"], 1);
  std::ofstream(dir / "state.json") << "{\"a\": 1,";  // torn
  auto corrupt = file.Load();
  ASSERT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error().message.find("corrupt"), std::string::npos);
}

}  // namespace
}  // namespace ferry::sandbox
