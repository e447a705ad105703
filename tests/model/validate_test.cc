#include "model/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "model/json_codec.h"

namespace ferry::model {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

Problems Check(std::string_view json) {
  auto parsed = ParseJson(json);
  EXPECT_TRUE(parsed.ok()) << json;
  Problems problems;
  auto entity = DecodeEntity(*parsed, problems);
  EXPECT_THAT(problems, IsEmpty()) << "decoding " << json;
  if (entity) ValidateEntity(*entity, problems);
  return problems;
}

std::string ServiceWith(std::string_view function_fields) {
  return R"({"kind": "Service", "application": "shop", "name": "orders",
             "artifact": {"s3": {"bucket": "shop-artifacts", "keyPattern": "o-*.zip"}},
             "functions": [{"name": "api", "runtime": "python3.12", "handler": "a.h", )" +
         std::string(function_fields) + "}]}";
}

std::vector<std::pair<std::string, std::string>> PathsAndMessages(const Problems& problems) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : problems) out.emplace_back(p.path, p.message);
  return out;
}

TEST(ValidateTest, ValidServicePasses) {
  EXPECT_THAT(Check(ServiceWith(R"("memory": 10240, "timeout": 900, "ephemeralStorage": 512)")),
              IsEmpty());
}

TEST(ValidateTest, LambdaValuesOutsideTheModel) {
  Problems p = Check(ServiceWith(R"(
      "memory": 64, "timeout": 901, "ephemeralStorage": 10241,
      "functionName": "orders.api", "architectures": ["arm64", "mips"],
      "layers": ["not-an-arn"], "aliases": ["123", "live", "live"],
      "deadLetterTarget": "arn:aws:s3:::bucket", "kmsKey": "alias/x",
      "environment": {"AWS_REGION": "x", "1BAD": "y"}, "tags": {"aws:x": "y"})"));
  auto pm = PathsAndMessages(p);
  EXPECT_THAT(pm,
              Contains(Pair("/functions/0/memory", "must be between 128 and 10240 MB, got 64")));
  EXPECT_THAT(pm,
              Contains(Pair("/functions/0/timeout", "must be between 1 and 900 seconds, got 901")));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/ephemeralStorage",
                                "must be between 512 and 10240 MB, got 10241")));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/functionName", HasSubstr("FunctionName pattern"))));
  EXPECT_THAT(pm,
              Contains(Pair("/functions/0/architectures", "must list exactly one architecture")));
  EXPECT_THAT(pm,
              Contains(Pair("/functions/0/architectures/1", HasSubstr("unknown architecture"))));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/layers/0", HasSubstr("layer version ARN"))));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/aliases/0", HasSubstr("Alias pattern"))));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/aliases/2", "duplicate alias \"live\"")));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/deadLetterTarget", HasSubstr("SQS queue or SNS"))));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/kmsKey", HasSubstr("KMS key ARN"))));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/environment/AWS_REGION", "is reserved by Lambda")));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/environment/1BAD", HasSubstr("must start with"))));
  EXPECT_THAT(pm, Contains(Pair("/functions/0/tags/aws:x", HasSubstr("reserved"))));
  EXPECT_EQ(p.size(), 14u);
}

TEST(ValidateTest, RuntimeAndHandler) {
  auto pm = PathsAndMessages(Check(R"({"kind": "Service", "application": "shop", "name": "o",
      "artifact": {"local": {"path": "x.zip"}},
      "functions": [{"name": "a", "runtime": "python3.21", "handler": "has space"},
                    {"name": "b", "runtime": "nodejs20.x"}]})"));
  EXPECT_THAT(
      pm, ElementsAre(Pair("/functions/0/runtime",
                           "unknown Lambda runtime \"python3.21\"; did you mean "
                           "'python3.11'?"),
                      Pair("/functions/0/handler", "must be non-empty and contain no whitespace"),
                      Pair("/functions/1", HasSubstr("missing 'handler'"))));
}

TEST(ValidateTest, TemplatedValuesAreLeftForResolution) {
  EXPECT_THAT(Check(ServiceWith(R"("functionName": "${env.name}-api", "layers": ["${x}"])")),
              IsEmpty());
  auto pm = PathsAndMessages(Check(ServiceWith(R"("functionName": "${env.name}.api")")));
  EXPECT_THAT(pm, ElementsAre(Pair("/functions/0/functionName", HasSubstr("contains \".\""))));
}

TEST(ValidateTest, ExactlyOneRules) {
  auto pm = PathsAndMessages(Check(R"({"kind": "Service", "application": "shop", "name": "o",
      "artifact": {"s3": {"bucket": "bb-1", "prefix": "p/", "key": "k"}, "local": {"path": "x"}},
      "functions": [{"name": "a", "runtime": "python3.12", "handler": "a.h"},
                    {"name": "a", "runtime": "python3.12", "handler": "a.h"}],
      "variables": [{"name": "v"}]})"));
  EXPECT_THAT(pm, ElementsAre(Pair("/artifact", HasSubstr("set only one of s3, local")),
                              Pair("/artifact/s3", HasSubstr("set only one of prefix, key")),
                              Pair("/functions/1/name", "duplicate function \"a\""),
                              Pair("/variables/0", HasSubstr("set one of value, secret"))));
}

TEST(ValidateTest, CredentialsAndRoles) {
  auto pm = PathsAndMessages(Check(R"({"kind": "CloudProvider", "name": "Prod_Account",
      "credentials": {"mode": "keys", "accessKeyId": "akia"},
      "assumeRole": {"roleArn": "arn:aws:iam::12:role/x", "durationSeconds": 60},
      "region": "europe", "endpoint": "localhost:4566"})"));
  EXPECT_THAT(pm, ElementsAre(Pair("/name", HasSubstr("lower-case")),
                              Pair("/credentials", HasSubstr("needs 'secretAccessKey'")),
                              Pair("/credentials/accessKeyId", HasSubstr("upper-case")),
                              Pair("/assumeRole/roleArn", HasSubstr("IAM role ARN")),
                              Pair("/assumeRole/durationSeconds", HasSubstr("900 and 43200")),
                              Pair("/region", HasSubstr("AWS region")),
                              Pair("/endpoint", HasSubstr("URL"))));
}

// Issue 18: endpoints were accepted whatever they pointed at, and signed requests went there.
TEST(ValidateTest, EndpointsAreHttpsOnPublicHostsUnlessMarkedLocalSandbox) {
  auto endpoint_problem = [](const std::string& url, bool local) {
    Json provider = {{"kind", "CloudProvider"},
                     {"name", "p"},
                     {"credentials", {{"mode", "delegate"}}},
                     {"endpoint", url}};
    if (local) provider["localSandbox"] = true;
    for (const auto& [path, message] : PathsAndMessages(Check(DumpJson(provider)))) {
      if (path == "/endpoint") return message;
    }
    return std::string();
  };
  for (const char* good :
       {"https://lambda.eu-west-1.amazonaws.com", "https://minio.example.com:9000",
        "https://203.0.113.7", "https://[2001:db8::1]:443"}) {
    EXPECT_EQ(endpoint_problem(good, false), "") << good;
  }
  for (const char* local : {"http://127.0.0.1:4566", "http://localhost:4566", "http://[::1]:4566",
                            "https://127.0.0.1"}) {
    EXPECT_EQ(endpoint_problem(local, true), "") << local;
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"http://lambda.example.com", "must be https"},
      {"https://169.254.169.254", "link-local"},
      {"https://[::1]", "loopback"},
      {"https://10.0.0.8", "private"},
      {"https://192.168.1.1:8443", "private"},
      {"https://[::ffff:127.0.0.1]", "loopback"},
      {"https://[fe80::1]", "link-local"},
      {"https://localhost", "loopback"},
      {"https://0x7f000001", "numeric host"},
      {"https://2130706433", "numeric host"},
      {"https://127.1", "numeric host"},
      {"https://0177.0.0.1", "numeric host"},
      {"https://user:pass@example.com", "credentials"},
      {"https://example.com/path", "without a path"},
      {"https://exa mple.com", "without a path"},
      {"https://example.com:99999", "port"},
  };
  for (const auto& [url, expected] : bad) {
    EXPECT_THAT(endpoint_problem(url, false), HasSubstr(expected)) << url;
  }
  // localSandbox allows only this machine: the metadata service stays out of reach.
  EXPECT_THAT(endpoint_problem("http://169.254.169.254", true), HasSubstr("on this machine"));
  EXPECT_THAT(endpoint_problem("http://user:pass@127.0.0.1:4566", true), HasSubstr("credentials"));
  EXPECT_THAT(endpoint_problem("http://0x7f000001:4566", true), HasSubstr("numeric host"));
}

TEST(ValidateTest, WorkflowPipelineTrigger) {
  auto pm = PathsAndMessages(Check(R"({"kind": "Workflow", "application": "a", "name": "w",
      "strategy": "canary", "environment": "dev", "service": "s",
      "steps": [{"name": "d", "type": "deploy", "timeout": "5 minutes"}],
      "variables": [{"name": "env", "default": "x", "allowed": ["dev"]}]})"));
  EXPECT_THAT(pm, ElementsAre(Pair("", "strategy 'canary' needs 'trafficShift'"),
                              Pair("/steps/0/timeout", HasSubstr("duration")),
                              Pair("/variables/0/default", HasSubstr("allowed values"))));
  pm = PathsAndMessages(Check(R"({"kind": "Pipeline", "application": "a", "name": "p",
      "stages": [{"name": "a", "workflow": "w", "parallelGroup": "g"},
                 {"name": "b", "approval": {}, "environment": "dev"},
                 {"name": "c", "workflow": "w", "parallelGroup": "g"}]})"));
  EXPECT_THAT(pm, ElementsAre(Pair("/stages/1/environment", "only valid with 'workflow'"),
                              Pair("/stages/2/parallelGroup", HasSubstr("must be adjacent"))));
  pm = PathsAndMessages(Check(R"({"kind": "Trigger", "application": "a", "name": "t",
      "schedule": {"cron": "61 * * * *", "timeZone": "Mars Base"}, "pipeline": "p",
      "workflow": "w"})"));
  EXPECT_THAT(pm, ElementsAre(Pair("", HasSubstr("set only one of pipeline, workflow")),
                              Pair("/schedule/cron", HasSubstr("minute 61 is out of range 0-59")),
                              Pair("/schedule/timeZone", HasSubstr("IANA")),
                              Pair("/artifactSelection", HasSubstr("'triggering' needs"))));
}

// Approval stages: timeout bounds, the timeout's outcome, group names, inputs, message size, and
// no parallel group; hostile values give a problem each, at their path.
TEST(ValidateTest, ApprovalStages) {
  auto pm = PathsAndMessages(Check(R"({"kind": "Pipeline", "application": "a", "name": "p",
      "stages": [{"name": "a", "approval": {"userGroups": ["release-managers"], "timeout": "2h",
                  "timeoutOutcome": "approve", "message": "ship?",
                  "inputs": [{"name": "ticket", "required": true},
                             {"name": "size", "default": "s", "allowed": ["s", "m"]}]}}]})"));
  EXPECT_THAT(pm, ::testing::IsEmpty());
  pm = PathsAndMessages(Check(R"({"kind": "Pipeline", "application": "a", "name": "p",
      "stages": [{"name": "a", "parallelGroup": "g",
                  "approval": {"userGroups": ["Bad Group"], "timeout": "800h",
                               "timeoutOutcome": "maybe",
                               "inputs": [{"name": "1x"}, {"name": "ok"}, {"name": "ok"}]}},
                 {"name": "b", "approval": {"timeout": "0s"}}]})"));
  using PathAndMessage = ::testing::Matcher<std::pair<std::string, std::string>>;
  EXPECT_THAT(pm, ::testing::IsSupersetOf(std::vector<PathAndMessage>{
                      Pair("/stages/0/approval/timeout", HasSubstr("720h")),
                       Pair("/stages/0/approval/timeoutOutcome", "must be reject or approve"),
                       Pair("/stages/0/approval/userGroups/0", HasSubstr("lower-case")),
                       Pair("/stages/0/approval/inputs/0/name", HasSubstr("variable names")),
                       Pair("/stages/0/parallelGroup", HasSubstr("cannot run in a parallel")),
                       Pair("/stages/1/approval/timeout", ::testing::_)}));
  std::string big(17 * 1024, 'm');
  pm = PathsAndMessages(Check(R"({"kind": "Pipeline", "application": "a", "name": "p",
      "stages": [{"name": "a", "approval": {"message": ")" + big + R"("}}]})"));
  EXPECT_THAT(pm, ElementsAre(Pair("/stages/0/approval/message", "must be at most 16 KiB")));
}

TEST(ValidateTest, NewArtifactPollIntervalIsBetweenTenSecondsAndADay) {
  auto poll = [](const std::string& interval) {
    return PathsAndMessages(Check(R"({"kind": "Trigger", "application": "a", "name": "t",
        "newArtifact": {"service": "s", "pollInterval": ")" +
                                  interval + R"("},
        "workflow": "w"})"));
  };
  EXPECT_THAT(poll("10s"), ElementsAre());
  EXPECT_THAT(poll("60s"), ElementsAre());
  EXPECT_THAT(poll("9s"), ElementsAre(Pair("/newArtifact/pollInterval", "must be at least 10s")));
  EXPECT_THAT(poll("9999ms"), ElementsAre(Pair("/newArtifact/pollInterval", HasSubstr("10s"))));
  EXPECT_THAT(poll("25h"), ElementsAre(Pair("/newArtifact/pollInterval", HasSubstr("24h"))));
  EXPECT_THAT(poll("soon"), ElementsAre(Pair("/newArtifact/pollInterval", HasSubstr("duration"))));
  EXPECT_THAT(poll(std::string(5000, '9') + "s"),
              ElementsAre(Pair("/newArtifact/pollInterval", HasSubstr("duration"))));
}

TEST(ValidateTest, Cron) {
  EXPECT_EQ(CheckCron("*/5 0-6 1,15 JAN-MAR mon-fri"), "");
  EXPECT_EQ(CheckCron("0 2 * * 7"), "");
  EXPECT_NE(CheckCron("0 24 * * *"), "");
  EXPECT_NE(CheckCron("0 2 * *"), "");
  EXPECT_NE(CheckCron("*/0 * * * *"), "");
  EXPECT_NE(CheckCron("5-1 * * * *"), "");
}

std::string Window(std::string_view fields) {
  return R"({"kind": "FreezeWindow", "name": "holidays", )" + std::string(fields) + "}";
}

TEST(ValidateTest, FreezeWindows) {
  EXPECT_THAT(Check(Window(R"("timeZone": "Europe/Berlin", "start": "2026-12-20T00:00",
                               "end": "2027-01-02T00:00", "applications": ["shop"],
                               "environmentTypes": ["production"])")),
              IsEmpty());
  EXPECT_THAT(Check(Window(R"("timeZone": "Europe/Berlin",
                               "recurrence": {"cron": "0 18 * * FRI", "duration": "62h"})")),
              IsEmpty());
  const std::pair<std::string, std::string> bad[] = {
      {R"("timeZone": "Mars/Olympus", "start": "2027-01-01T00:00", "end": "2027-01-02T00:00")",
       "/timeZone"},
      {R"("timeZone": "${env.TZ}", "start": "2027-01-01T00:00", "end": "2027-01-02T00:00")",
       "/timeZone"},
      {R"("timeZone": "UTC")", ""},
      {R"("timeZone": "UTC", "start": "2027-01-01T00:00")", "/end"},
      {R"("timeZone": "UTC", "start": "2027-01-02T00:00", "end": "2027-01-01T00:00")", "/end"},
      {R"("timeZone": "UTC", "start": "2027-01-01T00:00", "end": "2027-01-01T00:00")", "/end"},
      {R"("timeZone": "UTC", "start": "2027-01-01T00:00", "end": "2028-01-03T00:00")", "/end"},
      {R"("timeZone": "UTC", "start": "2027-02-29T00:00", "end": "2027-03-01T00:00")", "/start"},
      {R"("timeZone": "UTC", "start": "2027-01-01T00:00+01:00", "end": "2027-01-02T00:00")",
       "/start"},
      {R"("timeZone": "UTC", "start": "2027-01-01T00:00", "end": "2027-01-02T00:00",
          "recurrence": {"cron": "0 1 * * *", "duration": "1h"})",
       ""},
      {R"("timeZone": "UTC", "recurrence": {"cron": "61 * * * *", "duration": "1h"})",
       "/recurrence/cron"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 0 30 2 *", "duration": "1h"})",
       "/recurrence/cron"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "0s"})",
       "/recurrence/duration"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "745h"})",
       "/recurrence/duration"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "99999999999999h"})",
       "/recurrence/duration"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "-1h"})",
       "/recurrence/duration"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "1h"},
          "applications": [])",
       "/applications"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "1h"},
          "applications": ["Shop Front"])",
       "/applications/0"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "1h"},
          "applications": ["shop", "shop"])",
       "/applications/1"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "1h"},
          "environmentTypes": [])",
       "/environmentTypes"},
      {R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "1h"},
          "environmentTypes": ["production", "production"])",
       "/environmentTypes/1"},
  };
  for (const auto& [fields, path] : bad) {
    Problems p = Check(Window(fields));
    EXPECT_THAT(p, Contains(Field(&Problem::path, path))) << fields;
  }
  std::string many = R"("timeZone": "UTC", "recurrence": {"cron": "0 1 * * *", "duration": "1h"},
                        "applications": [)";
  for (int i = 0; i < 1001; ++i) many += (i ? ",\"app-" : "\"app-") + std::to_string(i) + "\"";
  EXPECT_THAT(Check(Window(many + "]")), Contains(Field(&Problem::path, "/applications")));
}

TEST(ValidateTest, FreezeWindowsDecodeOnlyKnownFieldsAndTypes) {
  for (
      const char* doc : {
          R"({"kind": "FreezeWindow", "name": "x", "timeZone": "UTC", "colour": "red"})",
          R"({"kind": "FreezeWindow", "name": "x", "timeZone": "UTC", "enabled": "yes"})",
          R"({"kind": "FreezeWindow", "name": "x", "timeZone": "UTC", "environmentTypes": ["prod"]})",
          R"({"kind": "FreezeWindow", "name": "x", "timeZone": "UTC", "recurrence": {"cron": "0 1 * * *"}})",
          R"({"kind": "FreezeWindow", "name": "x", "timeZone": 7})",
          R"({"kind": "FreezeWindow", "name": "x"})",
      }) {
    Problems problems;
    auto entity = DecodeEntity(ParseJson(doc).value(), problems);
    EXPECT_FALSE(problems.empty()) << doc;
  }
}

// Fuzz finding (api_json): libstdc++'s regex compiler overflows a long (undefined behaviour) on
// a back-reference or repetition count of 20 digits; such numbers are refused before compiling.
TEST(ValidateTest, RegexNumbersTooLargeForTheCompilerAreRefused) {
  auto with_filter = [](const std::string& filter) {
    return R"({"kind": "Service", "application": "shop", "name": "orders",
               "artifact": {"s3": {"bucket": "shop-artifacts", "prefix": "orders/", "filter": )" +
           DumpJson(Json(filter)) +
           R"(}}, "functions": [{"name": "api", "runtime": "python3.12", "handler": "a.h"}]})";
  };
  for (const std::string bad :
       {R"(orders-(\d+)\88888888888888888888.zip)", "a{99999999999999999999}",
        "a{1,99999999999999999999}", R"(\1234567)"}) {
    auto pm = PathsAndMessages(Check(with_filter(bad)));
    EXPECT_THAT(
        pm, Contains(Pair("/artifact/s3/filter", HasSubstr("has a number of more than 6 digits"))))
        << bad;
  }
  for (const std::string good :
       {R"(orders-(\d+)\.zip)", "a{2,3}", R"(v\d{1,4}-(\w+)\1)", "build-12345678.zip"}) {
    EXPECT_THAT(PathsAndMessages(Check(with_filter(good))), IsEmpty()) << good;
  }
}

}  // namespace
}  // namespace ferry::model
