// Clock-skew correction (aws/clock_skew.h): the pure parts (HTTP dates, which refusals count,
// thresholds), then the clients against a local stand-in that verifies SigV4 signatures with the
// real clock and refuses skewed ones the way each AWS protocol does (Lambda's
// InvalidSignatureException, S3's RequestTimeTooSkewed, STS's SignatureDoesNotMatch), with a
// client clock that is off by 20 minutes.
#include "aws/clock_skew.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <ctime>

#include "aws/client_test_support.h"
#include "aws/lambda_client.h"
#include "aws/local_http_server.h"
#include "aws/s3_client.h"
#include "aws/sigv4.h"
#include "aws/sts_client.h"
#include "common/json.h"

namespace ferry::aws {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using test_support::ClientEnv;
using test_support::kTestSecret;
using test_support::LocalHttpServer;

std::string HttpDate(TimePoint t) {
  const time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

HttpResponse WithDate(const std::string& date) {
  HttpResponse r;
  r.status = 403;
  if (!date.empty()) r.headers.emplace("date", date);
  return r;
}

TEST(ClockSkewTest, ParsesImfFixdateOnly) {
  auto t = ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(std::chrono::duration_cast<seconds>(t->time_since_epoch()).count(), 784111777);
  EXPECT_EQ(HttpDate(*ParseHttpDate(HttpDate(TimePoint(seconds(1'800'000'000))))),
            HttpDate(TimePoint(seconds(1'800'000'000))));
  for (const char* bad :
       {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 0x Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT\r\nX: y",
        "Sun, 06 Nov 1969 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseHttpDate(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseHttpDate(std::string(100'000, 'A')).has_value());
}

TEST(ClockSkewTest, RecognisesTheRefusalsEachProtocolUses) {
  EXPECT_TRUE(IsClockSkewError("RequestTimeTooSkewed", "The difference ... is too large."));
  EXPECT_TRUE(IsClockSkewError("RequestExpired", ""));
  EXPECT_TRUE(IsClockSkewError("RequestInTheFuture", ""));
  EXPECT_TRUE(IsClockSkewError("InvalidSignatureException",
                               "Signature expired: 20261128T030000Z is now earlier than "
                               "20261128T031500Z (20261128T032000Z - 5 min.)"));
  EXPECT_TRUE(IsClockSkewError("InvalidSignatureException",
                               "Signature not yet current: 20261128T034500Z is still later than "
                               "20261128T032500Z (20261128T032000Z + 5 min.)"));
  EXPECT_TRUE(IsClockSkewError("SignatureDoesNotMatch", "Signature expired: 2026..."));
  // A wrong secret is not a clock problem.
  EXPECT_FALSE(IsClockSkewError("InvalidSignatureException",
                                "The request signature we calculated does not match ..."));
  EXPECT_FALSE(IsClockSkewError("SignatureDoesNotMatch", ""));
  EXPECT_FALSE(IsClockSkewError("AccessDeniedException", "Signature expired"));
}

TEST(ClockSkewTest, AdjustsOnlyWhenTheDateConfirmsTheSkew) {
  const TimePoint server = *ParseHttpDate("Sat, 28 Nov 2026 03:30:00 GMT");
  const TimePoint local = server - minutes(20);
  ClockSkew skew;
  // No Date, a malformed Date, or a Date within the threshold: nothing learnt.
  EXPECT_FALSE(skew.AdjustFrom("RequestTimeTooSkewed", "", WithDate(""), local, local));
  EXPECT_FALSE(skew.AdjustFrom("RequestTimeTooSkewed", "", WithDate("yesterday"), local, local));
  EXPECT_FALSE(skew.AdjustFrom("RequestTimeTooSkewed", "", WithDate(HttpDate(local + minutes(3))),
                               local, local));
  // Not a clock refusal, whatever the Date says.
  EXPECT_FALSE(skew.AdjustFrom("AccessDenied", "", WithDate(HttpDate(server)), local, local));
  EXPECT_EQ(skew.offset().count(), 0);

  EXPECT_TRUE(skew.AdjustFrom("RequestTimeTooSkewed", "", WithDate(HttpDate(server)), local,
                              local + seconds(1)));
  EXPECT_EQ(skew.offset(), minutes(20) - seconds(1));
  EXPECT_EQ(skew.Corrected(local + seconds(1)), server);
  // Ahead of the server works the same way (negative offset).
  ClockSkew ahead;
  EXPECT_TRUE(ahead.AdjustFrom("InvalidSignatureException", "Signature not yet current: ...",
                               WithDate(HttpDate(server)), server + minutes(20),
                               server + minutes(20)));
  EXPECT_EQ(ahead.offset(), -minutes(20));
}

// A stand-in for Lambda, S3 and STS on one port: it checks the SigV4 signature (secret
// kTestSecret) and the signing time against the real clock, AWS's 5-minute rule.
class SkewCheckingServer {
 public:
  SkewCheckingServer()
      : server_([this](httplib::Server& s) {
          s.Get(".*", [this](const httplib::Request& q, httplib::Response& r) { Handle(q, r); });
          s.Post(".*", [this](const httplib::Request& q, httplib::Response& r) { Handle(q, r); });
          s.set_payload_max_length(1 << 20);
        }) {}

  std::string url() const { return server_.url(); }
  int requests() const { return requests_.load(); }
  int refused_for_time() const { return refused_for_time_.load(); }
  // When set, every answer carries this Date header instead of the real time (a broken proxy).
  void set_fixed_date(std::string date) { fixed_date_ = std::move(date); }

 private:
  void Handle(const httplib::Request& q, httplib::Response& r) {
    ++requests_;
    const TimePoint now = SystemClock::Instance().Now();
    r.set_header("Date", fixed_date_.empty() ? HttpDate(now) : fixed_date_);
    r.set_header("x-amzn-RequestId", "req-" + std::to_string(requests_.load()));
    const std::string service = q.path.rfind("/2015-03-31/", 0) == 0 ? "lambda"
                                : q.path == "/"                      ? "sts"
                                                                     : "s3";
    HttpRequest request;
    request.method = q.method;
    request.url = "http://" + q.get_header_value("Host") + q.target;  // as sent, query included
    for (const auto& [name, value] : q.headers) {
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      request.headers.emplace_back(name, value);
    }
    request.body = q.body;
    auto parts = ParseAuthorization(request);
    if (!parts.ok()) return Refuse(r, service, "IncompleteSignature", "bad authorization");
    if (parts->amz_date < now - minutes(5) || parts->amz_date > now + minutes(5)) {
      ++refused_for_time_;
      const std::string signed_at = FormatAmzDate(parts->amz_date);
      const std::string message =
          parts->amz_date < now
              ? "Signature expired: " + signed_at + " is now earlier than " +
                    FormatAmzDate(now - minutes(5)) + " (" + FormatAmzDate(now) + " - 5 min.)"
              : "Signature not yet current: " + signed_at + " is still later than " +
                    FormatAmzDate(now + minutes(5)) + " (" + FormatAmzDate(now) + " + 5 min.)";
      if (service == "s3") return Refuse(r, service, "RequestTimeTooSkewed", message);
      if (service == "sts") return Refuse(r, service, "SignatureDoesNotMatch", message);
      return Refuse(r, service, "InvalidSignatureException", message);
    }
    const auto expected = ExpectedSignature(request, *parts, kTestSecret, service == "s3");
    if (expected.signature != parts->signature) {
      return Refuse(r, service,
                    service == "lambda" ? "InvalidSignatureException" : "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided.");
    }
    if (service == "lambda") {
      r.set_content(R"({"FunctionName": "orders", "Version": "$LATEST"})", "application/json");
    } else if (service == "sts") {
      r.set_content(
          "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:"
          "user/ferry</Arn><UserId>AIDA</UserId><Account>123456789012</Account>"
          "</GetCallerIdentityResult></GetCallerIdentityResponse>",
          "text/xml");
    } else {
      r.set_content(
          "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a.zip</Key>"
          "<Size>3</Size></Contents></ListBucketResult>",
          "application/xml");
    }
  }

  static void Refuse(httplib::Response& r, const std::string& service, const std::string& code,
                     const std::string& message) {
    r.status = 403;
    if (service == "lambda") {
      r.set_header("x-amzn-ErrorType", code);
      r.set_content(Json{{"message", message}}.dump(), "application/json");
    } else if (service == "sts") {
      r.set_content("<ErrorResponse><Error><Type>Sender</Type><Code>" + code + "</Code><Message>" +
                        message + "</Message></Error></ErrorResponse>",
                    "text/xml");
    } else {
      r.set_content("<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>",
                    "application/xml");
    }
  }

  std::atomic<int> requests_{0};
  std::atomic<int> refused_for_time_{0};
  std::string fixed_date_;
  LocalHttpServer server_;  // last: stops (joins) before the members it uses go away
};

class ClockSkewClientTest : public ::testing::TestWithParam<int> {};

TEST_P(ClockSkewClientTest, LambdaCallsSucceedWithAClockOffByTwentyMinutes) {
  const minutes off(GetParam());
  SkewCheckingServer server;
  ClientEnv env(SystemClock::Instance().Now() + off);
  LambdaClient lambda(LambdaServiceConfig(server.url(), "us-east-1"), env.deps());
  auto got = lambda.GetFunctionConfiguration("orders");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->function_name, "orders");
  EXPECT_EQ(server.requests(), 2);  // refused once, re-signed, accepted
  EXPECT_EQ(server.refused_for_time(), 1);
  EXPECT_EQ(env.quota.available(), RetryQuota::kInitialCapacity);  // not a retry: no quota spent
  EXPECT_NEAR(std::chrono::duration_cast<seconds>(lambda.service().clock_offset()).count(),
              -std::chrono::duration_cast<seconds>(off).count(), 5);
  // The offset is kept: later calls are signed right the first time.
  ASSERT_TRUE(lambda.GetFunctionConfiguration("orders").ok());
  EXPECT_EQ(server.requests(), 3);
  // A write that is never repeated after an ambiguous failure is still resent after a refusal
  // for its signing time (the refused request had no effect).
  LambdaClient fresh(LambdaServiceConfig(server.url(), "us-east-1"), env.deps());
  auto invoked = fresh.Invoke({"orders", "", InvocationType::kEvent, false, "{}"});
  EXPECT_TRUE(invoked.ok()) << invoked.error().ToString();
  EXPECT_EQ(server.refused_for_time(), 2);
  std::printf("clock off by %d min: offset learnt %lld ms, %d requests\n", GetParam(),
              static_cast<long long>(lambda.service().clock_offset().count()), server.requests());
}

INSTANTIATE_TEST_SUITE_P(BehindAndAhead, ClockSkewClientTest, ::testing::Values(-20, 20));

TEST(ClockSkewClientTest2, S3AndStsCorrectTheirOwnRefusals) {
  SkewCheckingServer server;
  ClientEnv env(SystemClock::Instance().Now() - minutes(20));
  S3Client s3(S3ServiceConfig(server.url(), "us-east-1"), env.deps(), S3Options{true});
  auto listed = s3.ListObjectsV2({"artifacts", "", "", "", 0});
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->request_id, "req-2");  // the accepted (second) request's id
  EXPECT_EQ(server.refused_for_time(), 1);

  StsClient sts(*env.transport, env.clock, StsConfig{server.url(), "us-east-1"});
  auto me = sts.GetCallerIdentity(env.credentials.Resolve().value());
  ASSERT_TRUE(me.ok()) << me.error().ToString();
  EXPECT_EQ(me->account, "123456789012");
  EXPECT_EQ(server.refused_for_time(), 2);
  EXPECT_NEAR(std::chrono::duration_cast<seconds>(sts.clock_offset()).count(), 20 * 60, 5);
}

TEST(ClockSkewClientTest2, NoCorrectionWithoutConfirmationAndNeverMoreThanOnce) {
  SkewCheckingServer server;
  // A wrong secret is refused with InvalidSignatureException too, but not for the time: one
  // request, no offset.
  ClientEnv env(SystemClock::Instance().Now());
  class WrongSecret final : public CredentialsProvider {
   public:
    Result<Credentials> Resolve() override {
      return Credentials{"AKIDEXAMPLE", "not-the-secret", "", std::nullopt, "test"};
    }
  } wrong;
  ServiceDeps deps{*env.transport, wrong, env.clock, env.ids, env.limiters, env.quota};
  LambdaClient lambda(LambdaServiceConfig(server.url(), "us-east-1"), deps);
  auto refused = lambda.GetFunctionConfiguration("orders");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(lambda.service().clock_offset().count(), 0);
  EXPECT_EQ(refused.error().message.find("not-the-secret"), std::string::npos);

  // A server whose Date header agrees with the skewed client (a broken proxy rewriting it) gives
  // no confirmation: the refusal is returned as is, once.
  SkewCheckingServer lying;
  ClientEnv skewed(SystemClock::Instance().Now() - minutes(20));
  lying.set_fixed_date(HttpDate(skewed.clock.Now()));
  LambdaClient confused(LambdaServiceConfig(lying.url(), "us-east-1"), skewed.deps());
  auto result = confused.GetFunctionConfiguration("orders");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(AwsCode(result.error()), "InvalidSignatureException");
  EXPECT_EQ(lying.requests(), 1);

  // A Date that keeps moving away (the server refuses even the corrected time): corrected once,
  // then the refusal is returned; no loop.
  SkewCheckingServer moving;
  moving.set_fixed_date(HttpDate(SystemClock::Instance().Now() + minutes(60)));
  ClientEnv env2(SystemClock::Instance().Now() - minutes(20));
  LambdaClient chasing(LambdaServiceConfig(moving.url(), "us-east-1"), env2.deps());
  auto chased = chasing.GetFunctionConfiguration("orders");
  ASSERT_FALSE(chased.ok());
  EXPECT_EQ(moving.requests(), 2);
  std::printf("wrong secret -> %s\n", refused.error().ToString().c_str());
}

}  // namespace
}  // namespace ferry::aws
