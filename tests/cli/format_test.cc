#include "cli/format.h"

#include <gtest/gtest.h>

#include "cli/execution.h"
#include "common/json.h"
#include "common/time.h"

namespace ferry::cli {
namespace {

TimePoint At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

Json SampleExecution() {
  return Json::parse(R"({
    "id": "01JEXEC", "application": "shop", "service": "orders", "environment": "dev",
    "workflow": "basic", "trigger": "manual", "actor": "cli:ann", "artifactId": "01JART",
    "status": "rolled_back", "error": {"code": "failed_precondition", "message": "alias moved"},
    "createdAt": "2026-11-28T03:30:00.000Z", "startedAt": "2026-11-28T03:30:01.000Z",
    "endedAt": "2026-11-28T03:30:13.500Z", "durationMs": 12500, "outputs": {},
    "steps": [
      {"index": 0, "name": "deploy", "kind": "lambda.deploy", "status": "failed",
       "state": "publishing", "attempt": 2, "error": "PublishVersion: conflict",
       "startedAt": "2026-11-28T03:30:01.000Z", "endedAt": "2026-11-28T03:30:11.000Z",
       "durationMs": 10000,
       "outputs": {"deploying": true,
          "snapshots": [{"functionName": "orders-api", "exists": false, "source": "read"}],
          "deployments": [{"functionName": "orders-api", "version": "7",
          "codeSha256": "abc=", "snapshotTaken": true, "snapshot": {"exists": false},
          "aliases": [{"name": "dev", "version": "7", "weights": {"6": 0.1}, "revisionId": "r",
                       "arn": "arn:aws:lambda:us-east-1:1:function:orders-api:dev"}]},
                                      {"functionName": "orders-worker", "version": "3",
          "codeSha256": "def=", "snapshotTaken": true, "snapshot": {"exists": true},
          "aliases": [{"name": "dev", "version": "3", "weights": {}}]}], "note": "x"}},
      {"index": 1, "name": "verify", "kind": "verify", "status": "pending", "state": null,
       "attempt": 0, "error": null, "startedAt": null, "endedAt": null, "durationMs": null,
       "outputs": null}
    ]})");
}

TEST(DecodeExecution, ReadsEveryDocumentedField) {
  auto e = DecodeExecution(SampleExecution());
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->id, "01JEXEC");
  EXPECT_EQ(e->error, "alias moved");
  EXPECT_EQ(e->duration_ms, 12500);
  EXPECT_TRUE(e->terminal());
  ASSERT_EQ(e->steps.size(), 2u);
  EXPECT_EQ(e->steps[0].attempt, 2);
  // The shape the server sends (docs/api.md): aliases as a list, created from the snapshot.
  ASSERT_EQ(e->steps[0].functions.size(), 2u);
  EXPECT_EQ(e->steps[0].functions[0].aliases.at("dev"), "7 (6: 10%)");
  EXPECT_TRUE(e->steps[0].functions[0].created);
  EXPECT_EQ(e->steps[0].functions[1].aliases.at("dev"), "3");
  EXPECT_FALSE(e->steps[0].functions[1].created);
  // The rollback target stays out of the human view (it is in -o json).
  EXPECT_EQ(e->steps[0].other_outputs, R"({"note":"x"})");
  EXPECT_FALSE(e->steps[1].started_at.has_value());
}

TEST(DecodeExecution, RejectsWhatTheCliCannotUse) {
  Json no_id = SampleExecution();
  no_id.erase("id");
  EXPECT_NE(DecodeExecution(no_id).error().message.find("\"id\""), std::string::npos);
  Json bad_status = SampleExecution();
  bad_status["status"] = 3;
  EXPECT_FALSE(DecodeExecution(bad_status).ok());
  Json bad_time = SampleExecution();
  bad_time["startedAt"] = "yesterday";
  EXPECT_NE(DecodeExecution(bad_time).error().message.find("startedAt"), std::string::npos);
  Json bad_steps = SampleExecution();
  bad_steps["steps"] = "many";
  EXPECT_FALSE(DecodeExecution(bad_steps).ok());
  EXPECT_FALSE(DecodeExecution(Json::array()).ok());
  EXPECT_EQ(DecodeExecution(Json{{"id", "x"}, {"status", "queued"}})->status, "queued");
}

TEST(TerminalSafe, EscapesControlAndEscapeSequences) {
  EXPECT_EQ(TerminalSafe("ok \x1b[31mred\x07"), "ok \\x1b[31mred\\x07");
  EXPECT_EQ(TerminalSafe("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(TerminalSafe("bad \xff byte"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(TerminalSafe("c1 \xc2\x9b"), "c1 \xEF\xBF\xBD");
  EXPECT_EQ(TerminalSafe("cut \xe2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(FormatExecutionsTable, AlignsColumns) {
  auto done = DecodeExecution(SampleExecution());
  auto running = DecodeExecution(Json::parse(R"({"id": "01JRUN", "application": "shop",
      "service": "payments", "environment": "production", "status": "running",
      "startedAt": "2026-11-28T03:40:00.000Z"})"));
  ASSERT_TRUE(done.ok() && running.ok());
  std::string table = FormatExecutionsTable({*running, *done}, At("2026-11-28T03:41:05.000Z"));
  EXPECT_EQ(table,
            "ID       APP/SERVICE    ENV         STATUS       STARTED              DURATION\n"
            "01JRUN   shop/payments  production  running      2026-11-28 03:40:00  1m05s\n"
            "01JEXEC  shop/orders    dev         rolled_back  2026-11-28 03:30:01  12.5s\n");
  EXPECT_EQ(FormatExecutionsTable({}, At("2026-11-28T03:41:05.000Z")), "no executions\n");
}

TEST(FormatExecutionDetail, ShowsStepsErrorsAndFunctionOutputs) {
  auto e = DecodeExecution(SampleExecution());
  std::string text = FormatExecutionDetail(*e, At("2026-11-28T04:00:00.000Z"));
  for (const char* want :
       {"Execution:    01JEXEC", "Service:      shop/orders", "Status:       rolled_back",
        "Error:        alias moved", "Triggered:    manual by cli:ann", "Duration:     12.5s",
        "1. deploy (lambda.deploy)  failed, publishing, attempt 2  10.0s",
        "error: PublishVersion: conflict", "orders-api  version 7 (created)  sha256 abc=",
        "alias dev -> 7 (6: 10%)", "outputs: {\"note\":\"x\"}", "2. verify (verify)  pending"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
}

TEST(FormatExecutionDetail, ShowsATrafficShiftsSplitAndItsHold) {
  auto e = DecodeExecution(Json::parse(R"({"id": "x", "status": "waiting", "steps": [
      {"index": 1, "name": "traffic-1", "kind": "lambda.shift", "status": "waiting",
       "state": "bake", "outputs": {"percent": 10, "shiftedAt": "2026-11-28T03:55:00.000Z",
       "bakeUntil": "2026-11-28T04:05:00.000Z", "reports": [],
       "aliases": [{"functionName": "orders-api", "stable": "6", "next": "7",
                    "alias": {"name": "prod", "version": "6", "weights": {"7": 0.1},
                              "revisionId": "r"}}]}}]})"));
  ASSERT_TRUE(e.ok()) << e.error().message;
  std::string text = FormatExecutionDetail(*e, At("2026-11-28T04:00:00.000Z"));
  for (const char* want : {"2. traffic-1 (lambda.shift)  waiting, bake",
                           "traffic: 10% on the new version, holding until 2026-11-28",
                           "orders-api", "alias prod -> 6 (7: 10%)"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  EXPECT_EQ(text.find("reports"), std::string::npos) << text;
}

TEST(FormatProgress, ShowsTheActiveShiftsSplitAndWhenItsHoldEnds) {
  auto e = DecodeExecution(Json::parse(R"({"id": "x", "status": "waiting", "steps": [
      {"index": 0, "name": "deploy", "kind": "lambda.deploy", "status": "succeeded"},
      {"index": 1, "name": "traffic-1", "kind": "lambda.shift", "status": "waiting",
       "state": "bake", "traffic": {"percent": 10, "holdUntil": "2026-11-28T04:05:00.000Z"}},
      {"index": 2, "name": "traffic-2", "kind": "lambda.shift", "status": "pending"}]})"));
  ASSERT_TRUE(e.ok()) << e.error().message;
  const std::string line = FormatProgress(*e, std::chrono::milliseconds(61000));
  EXPECT_NE(line.find("step 2/3 traffic-1 (lambda.shift): waiting, bake (10% on the new version "
                      "until 2026-11-28"),
            std::string::npos)
      << line;
}

TEST(FormatProgress, NamesTheCurrentStep) {
  auto e = DecodeExecution(Json::parse(R"({"id": "x", "status": "running", "steps": [
      {"index": 0, "name": "deploy", "kind": "lambda.deploy", "status": "succeeded"},
      {"index": 1, "name": "shift", "kind": "traffic", "status": "running",
       "state": "waiting_for_update"},
      {"index": 2, "name": "verify", "status": "pending"}]})"));
  EXPECT_EQ(FormatProgress(*e, std::chrono::milliseconds(12300)),
            "running  step 2/3 shift (traffic): running, waiting_for_update  12.3s");
}

TEST(FormatOutcome, SaysWhatHappenedToTheEnvironment) {
  auto e = DecodeExecution(SampleExecution());
  std::string text = FormatOutcome(*e);
  EXPECT_NE(text.find("failed after 12.5s: alias moved"), std::string::npos) << text;
  EXPECT_NE(text.find("rolled back"), std::string::npos);
  e->status = "succeeded";
  EXPECT_EQ(FormatOutcome(*e), "succeeded in 12.5s");
  e->status = "rollback_failed";
  EXPECT_NE(FormatOutcome(*e).find("rollback FAILED"), std::string::npos);
}

TEST(FormatLogLine, OneReadableLineWithoutRawControlBytes) {
  auto line = DecodeLogLine(Json::parse(R"({"sequence": 4, "at": "2026-11-28T03:30:01.250Z",
      "step": "deploy", "level": "warn", "source": "delegate",
      "text": "throttled\u001b[2J\nretrying\n"})"));
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(FormatLogLine(*line),
            "03:30:01.250 deploy warn  throttled\\x1b[2J\n              retrying");
  EXPECT_FALSE(DecodeLogLine(Json{{"sequence", 1}}).ok());
  auto numbered = DecodeLogLine(Json{{"sequence", 1}, {"step", 0}, {"text", "t"}});
  ASSERT_TRUE(numbered.ok());
  EXPECT_EQ(numbered->step, "0");
}

}  // namespace
}  // namespace ferry::cli
