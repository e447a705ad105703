// The API commands end to end against a scripted local server (raw_http_server.h), with a
// FakeClock so polling and backoff take no real time.
#include "cli/commands.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>

#include "common/json.h"
#include "raw_http_server.h"

namespace ferry::cli {
namespace {

using test::HttpReply;
using test::RawHttpServer;
using test::RawReply;
using test::RawRequest;

constexpr const char* kToken = "fry_feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfaceabcd";

struct Harness {
  std::ostringstream out, err;
  FakeClock clock{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  CommandIo io{out, err, false, clock};
  ClientFlags flags;
  explicit Harness(const std::string& url, const std::string& output = "text") {
    flags.server = url;
    flags.token = kToken;
    flags.output = output;
  }
  void ExpectNoToken() {
    EXPECT_EQ(out.str().find(kToken), std::string::npos);
    EXPECT_EQ(err.str().find(kToken), std::string::npos);
  }
};

std::string Execution(const std::string& status, const std::string& step_status,
                      const std::string& state, const std::string& error = "") {
  Json e = {{"id", "01JE"},         {"application", "shop"}, {"service", "orders"},
            {"environment", "dev"}, {"status", status},      {"durationMs", 4200}};
  if (!error.empty()) e["error"] = error;
  e["steps"] = Json::array({Json{{"index", 0},
                                 {"name", "deploy"},
                                 {"kind", "lambda.deploy"},
                                 {"status", step_status},
                                 {"state", state}}});
  return e.dump();
}

// POST /deployments, then GETs that walk through `states` (the last one repeats).
class ScriptedExecution {
 public:
  explicit ScriptedExecution(std::vector<std::string> states) : states_(std::move(states)) {}
  RawReply operator()(const RawRequest& r) {
    if (r.method == "POST") return HttpReply(201, Execution("queued", "pending", ""));
    size_t i = std::min<size_t>(gets_++, states_.size() - 1);
    return HttpReply(200, states_[i]);
  }

 private:
  std::vector<std::string> states_;
  std::atomic<size_t> gets_{0};
};

TEST(RunDeploy, PrintsTheIdAndSendsTheRequest) {
  RawHttpServer server(
      [](const RawRequest&) { return HttpReply(201, Execution("queued", "pending", "")); });
  Harness h(server.url());
  DeployArgs args{"shop/orders", "dev", "basic", "", "s3://bkt/builds/o.zip?versionId=v1", false};
  EXPECT_EQ(RunDeploy(args, h.flags, h.io), 0) << h.err.str();
  EXPECT_EQ(h.out.str(), "01JE\n");
  auto r = server.requests().at(0);
  EXPECT_EQ(r.target, "/api/v1/deployments");
  EXPECT_FALSE(r.headers["idempotency-key"].empty());
  EXPECT_EQ(Json::parse(r.body),
            Json::parse(R"({"application": "shop", "service": "orders", "environment": "dev",
                "workflow": "basic", "artifact": {"s3Bucket": "bkt", "s3Key": "builds/o.zip",
                "s3ObjectVersion": "v1"}})"));
}

TEST(RunDeploy, AllowOutsideSourceAsksTheServerForTheException) {
  RawHttpServer server(
      [](const RawRequest&) { return HttpReply(201, Execution("queued", "pending", "")); });
  Harness h(server.url());
  DeployArgs args{"shop/orders", "dev", "", "", "s3://other/x.zip", false, true};
  EXPECT_EQ(RunDeploy(args, h.flags, h.io), 0) << h.err.str();
  EXPECT_EQ(Json::parse(server.requests().at(0).body)["allowOutsideArtifactSource"], true);
}

TEST(RunDeploy, OverrideFreezeSendsTheReasonAndAFreezeIsReported) {
  RawHttpServer server([](const RawRequest& r) {
    if (r.body.find("freezeOverride") != std::string::npos) {
      return HttpReply(201, Execution("queued", "pending", ""));
    }
    return HttpReply(412, R"({"error": {"code": "failed_precondition", "message": "deployments )"
                          R"(to shop/dev are frozen by window 'holidays' until 2027-01-02 00:00 )"
                          R"(CET; an admin may override with a reason"}})");
  });
  {
    Harness h(server.url());
    EXPECT_NE(RunDeploy({"shop/orders", "dev"}, h.flags, h.io), 0);
    EXPECT_NE(h.err.str().find("frozen by window 'holidays' until 2027-01-02 00:00 CET"),
              std::string::npos)
        << h.err.str();
  }
  {
    Harness h(server.url());
    DeployArgs args{"shop/orders", "dev"};
    args.override_freeze = "hotfix \"INC-42\"";
    EXPECT_EQ(RunDeploy(args, h.flags, h.io), 0) << h.err.str();
    EXPECT_EQ(Json::parse(server.requests().back().body)["freezeOverride"],
              Json::parse(R"({"reason": "hotfix \"INC-42\""})"));
  }
  for (const char* empty : {"", "   "}) {
    Harness h(server.url());
    DeployArgs args{"shop/orders", "dev"};
    args.override_freeze = empty;
    const size_t before = server.requests().size();
    EXPECT_EQ(RunDeploy(args, h.flags, h.io), 2);
    EXPECT_NE(h.err.str().find("--override-freeze needs a reason"), std::string::npos);
    EXPECT_EQ(server.requests().size(), before);
  }
}

TEST(RunDeploy, WaitSucceedsWithOneProgressLinePerChange) {
  ScriptedExecution script(
      {Execution("running", "running", "snapshot"), Execution("running", "running", "snapshot"),
       Execution("running", "running", "publishing"), Execution("succeeded", "succeeded", "done")});
  RawHttpServer server([&](const RawRequest& r) { return script(r); });
  Harness h(server.url());
  DeployArgs args{"shop/orders", "dev", "", "", "", true};
  EXPECT_EQ(RunDeploy(args, h.flags, h.io), 0) << h.err.str();
  const std::string out = h.out.str();
  EXPECT_EQ(out.rfind("01JE\n", 0), 0u) << out;
  EXPECT_NE(out.find("running  step 1/1 deploy (lambda.deploy): running, snapshot"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("running, publishing"), std::string::npos);
  EXPECT_EQ(out.find("snapshot", out.find("snapshot") + 1), std::string::npos)
      << "an unchanged state is printed once";
  EXPECT_NE(out.find("deploy of shop/orders to dev succeeded in 4.2s"), std::string::npos);
  h.ExpectNoToken();
}

TEST(RunDeploy, WaitExitsOneAndSaysTheChangesWereRolledBack) {
  ScriptedExecution script(
      {Execution("rolling_back", "failed", "publishing", "PublishVersion failed"),
       Execution("rolled_back", "failed", "publishing", "PublishVersion failed")});
  RawHttpServer server([&](const RawRequest& r) { return script(r); });
  Harness h(server.url());
  DeployArgs args{"shop/orders", "dev", "", "", "", true};
  EXPECT_EQ(RunDeploy(args, h.flags, h.io), 1);
  EXPECT_NE(h.err.str().find("failed after 4.2s: PublishVersion failed"), std::string::npos)
      << h.err.str();
  EXPECT_NE(h.err.str().find("the changes were rolled back"), std::string::npos);
}

TEST(RunDeploy, WaitRidesOutAServerRestart) {
  std::atomic<int> gets{0};
  RawHttpServer server([&](const RawRequest& r) {
    if (r.method == "POST") return HttpReply(201, Execution("queued", "pending", ""));
    int n = gets++;
    if (n < 2) return HttpReply(503, R"({"error": {"code": "unavailable", "message": "busy"}})");
    if (n < 3) return RawReply{"", false};  // connection dropped without a reply
    return HttpReply(200, Execution("succeeded", "succeeded", "done"));
  });
  Harness h(server.url(), "json");
  DeployArgs args{"shop/orders", "dev", "", "", "", true};
  EXPECT_EQ(RunDeploy(args, h.flags, h.io), 0) << h.err.str();
  EXPECT_EQ(Json::parse(h.out.str())["status"], "succeeded");
}

TEST(RunDeploy, RetriesAnUnansweredPostWithTheSameKey) {
  std::atomic<int> posts{0};
  RawHttpServer server([&](const RawRequest&) {
    if (posts++ == 0) return RawReply{"", false};
    return HttpReply(201, Execution("queued", "pending", ""));
  });
  Harness h(server.url());
  EXPECT_EQ(RunDeploy({"shop/orders", "dev", "", "", "", false}, h.flags, h.io), 0) << h.err.str();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers["idempotency-key"], requests[1].headers["idempotency-key"]);
}

TEST(RunDeploy, BadUsageExitsTwoWithoutARequest) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(500, "{}"); });
  struct Case {
    DeployArgs args;
    std::string output;
    std::string server;
    std::string message;
  };
  for (const Case& c : {
           Case{{"shop", "dev"}, "text", "", "is not APP/SERVICE"},
           Case{{"shop/orders", "de v"}, "text", "", "--env \"de v\""},
           Case{{"shop/orders", "dev", "", "", "https://x/y"}, "text", "", "--s3"},
           Case{{"shop/orders", "dev", "", "a1", "s3://bkt/k"}, "text", "", "not both"},
           Case{{"shop/orders", "dev"}, "yaml", "", "-o \"yaml\""},
           Case{{"shop/orders", "dev"}, "text", "localhost:8080", "not an http"},
       }) {
    Harness h(c.server.empty() ? server.url() : c.server, c.output);
    EXPECT_EQ(RunDeploy(c.args, h.flags, h.io), 2) << c.message;
    EXPECT_NE(h.err.str().find(c.message), std::string::npos) << h.err.str();
    EXPECT_EQ(h.err.str().rfind("ferry: ", 0), 0u);
  }
  EXPECT_TRUE(server.requests().empty());
}

TEST(RunPipeline, SendsTheRunToThePipelinesRoute) {
  RawHttpServer server(
      [](const RawRequest&) { return HttpReply(201, Execution("queued", "pending", "")); });
  Harness h(server.url());
  PipelineRunArgs args;
  args.target = "shop/release";
  args.s3_url = "s3://bkt/builds/o.zip";
  args.vars = {"reason=hot fix", "ticket=CHG-1"};
  EXPECT_EQ(RunPipeline(args, h.flags, h.io), 0) << h.err.str();
  EXPECT_EQ(h.out.str(), "01JE\n");
  auto r = server.requests().at(0);
  EXPECT_EQ(r.target, "/api/v1/applications/shop/pipelines/release/executions");
  EXPECT_EQ(Json::parse(r.body),
            Json::parse(R"({"artifact": {"s3Bucket": "bkt", "s3Key": "builds/o.zip"},
                "variables": {"reason": "hot fix", "ticket": "CHG-1"}})"));
}

TEST(RunPipeline, BadVarsAndTargetsExitTwoWithoutARequest) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(500, "{}"); });
  std::vector<std::string> many;
  for (int i = 0; i < 65; ++i) many.push_back("v" + std::to_string(i) + "=x");
  for (const auto& [target, vars] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"shop", {}},
           {"shop/release", {"novalue"}},
           {"shop/release", {"=x"}},
           {"shop/release", {"1a=x"}},
           {"shop/release", {"a-b=x"}},
           {"shop/release", {"a=1", "a=2"}},
           {"shop/release", {"a=" + std::string(5000, 'x')}},
           {"shop/release", {std::string("a=\xff")}},
           {"shop/release", many}}) {
    Harness h(server.url());
    PipelineRunArgs args;
    args.target = target;
    args.vars = vars;
    EXPECT_EQ(RunPipeline(args, h.flags, h.io), 2) << target << " " << vars.size();
  }
  Harness h(server.url());
  DecideArgs reject{"01JA", false, std::nullopt, {"ticket=1"}};
  EXPECT_EQ(RunDecide(reject, h.flags, h.io), 2);  // --var is for approving
  DecideArgs bad_id{"a b", true, std::nullopt, {}};
  EXPECT_EQ(RunDecide(bad_id, h.flags, h.io), 2);
  EXPECT_TRUE(server.requests().empty());
}

TEST(RunDecide, SendsTheDecisionAndPrintsWhoDecided) {
  RawHttpServer server([](const RawRequest&) {
    return HttpReply(200, R"({"id":"01JA","status":"approved","decidedBy":"user:alice",
        "execution":"01JE"})");
  });
  Harness h(server.url());
  DecideArgs args{"01JA", true, std::string("looks good"), {"ticket=CHG-1"}};
  EXPECT_EQ(RunDecide(args, h.flags, h.io), 0) << h.err.str();
  EXPECT_EQ(h.out.str(), "approval 01JA approved by user:alice (execution 01JE)\n");
  auto r = server.requests().at(0);
  EXPECT_EQ(r.target, "/api/v1/approvals/01JA");
  EXPECT_EQ(Json::parse(r.body), Json::parse(R"({"decision": "approve", "comment": "looks good",
      "variables": {"ticket": "CHG-1"}})"));
}

TEST(RunListExecutions, TableAndJson) {
  RawHttpServer server([](const RawRequest&) {
    return HttpReply(
        200, "{\"items\": [" + Execution("succeeded", "succeeded", "") + "], \"next\": null}");
  });
  Harness h(server.url());
  ListArgs args;
  args.environment = "dev";
  args.status = "succeeded";
  EXPECT_EQ(RunListExecutions(args, h.flags, h.io), 0) << h.err.str();
  EXPECT_NE(h.out.str().find("01JE  shop/orders  dev  succeeded"), std::string::npos)
      << h.out.str();
  EXPECT_EQ(server.requests().at(0).target,
            "/api/v1/executions?environment=dev&status=succeeded&limit=20");
  Harness j(server.url(), "json");
  EXPECT_EQ(RunListExecutions({}, j.flags, j.io), 0);
  EXPECT_EQ(Json::parse(j.out.str())["items"][0]["id"], "01JE");

  Harness bad(server.url());
  args.status = "suceeded";
  EXPECT_EQ(RunListExecutions(args, bad.flags, bad.io), 2);
  EXPECT_NE(bad.err.str().find("did you mean succeeded?"), std::string::npos) << bad.err.str();
  args.status = "";
  args.limit = 0;
  EXPECT_EQ(RunListExecutions(args, bad.flags, bad.io), 2);
}

TEST(RunAbortAndGet, ReportErrorsFromTheServer) {
  RawHttpServer server([](const RawRequest& r) {
    if (r.method == "POST") {
      return HttpReply(409, R"json({"error": {"code": "conflict",
          "message": "execution 01JE already ended (succeeded)"}})json");
    }
    return HttpReply(404, R"({"error": {"code": "not_found", "message": "no execution 01JX"}})");
  });
  Harness h(server.url());
  EXPECT_EQ(RunAbort("01JE", h.flags, h.io), 1);
  EXPECT_EQ(h.err.str(), "ferry: execution 01JE already ended (succeeded)\n");
  Harness g(server.url());
  EXPECT_EQ(RunGetExecution("01JX", g.flags, g.io), 1);
  EXPECT_EQ(g.err.str(), "ferry: no execution 01JX\n");
  EXPECT_EQ(RunGetExecution("../etc", g.flags, g.io), 2);
}

std::string LogEvent(int seq, const std::string& text) {
  Json line = {{"sequence", seq},    {"at", "2026-11-28T03:30:00.000Z"},
               {"step", "deploy"},   {"level", "info"},
               {"source", "engine"}, {"text", text}};
  return "id: " + std::to_string(seq) + "\nevent: log\ndata: " + line.dump() + "\n\n";
}

TEST(RunLogs, FollowResumesADroppedStreamWithLastEventId) {
  std::atomic<int> streams{0};
  RawHttpServer server([&](const RawRequest&) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    if (streams++ == 0)
      return RawReply{head + ": hi\n\n" + LogEvent(1, "one") + LogEvent(2, "two"),
                      false};  // then the connection drops
    return RawReply{
        head + LogEvent(3, "three") + "event: end\ndata: {\"status\": \"rolled_back\"}\n\n", false};
  });
  Harness h(server.url());
  EXPECT_EQ(RunLogs("01JE", true, h.flags, h.io), 1) << "rolled back is not success";
  EXPECT_EQ(h.out.str(),
            "03:30:00.000 deploy  one\n03:30:00.000 deploy  two\n03:30:00.000 deploy  three\n");
  EXPECT_NE(h.err.str().find("ended rolled_back"), std::string::npos);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.count("last-event-id"), 0u);
  EXPECT_EQ(requests[1].headers["last-event-id"], "2");
  EXPECT_EQ(requests[1].headers["accept"], "text/event-stream");
}

TEST(RunLogs, RejectsAStreamThatIsNotOne) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(200, "<html>", "text/html"); });
  Harness h(server.url());
  EXPECT_EQ(RunLogs("01JE", true, h.flags, h.io), 1);
  EXPECT_NE(h.err.str().find("instead of an event stream"), std::string::npos) << h.err.str();
  RawHttpServer garbage([](const RawRequest&) {
    return RawReply{
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: log\n"
        "data: {not json\n\n",
        false};
  });
  Harness g(garbage.url());
  EXPECT_EQ(RunLogs("01JE", true, g.flags, g.io), 1);
  EXPECT_NE(g.err.str().find("not a log line"), std::string::npos) << g.err.str();
  RawHttpServer failing([](const RawRequest&) {
    return RawReply{
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: error\n"
        "data: {\"error\": {\"code\": \"internal\", \"message\": \"store closed\"}}\n\n",
        false};
  });
  Harness f(failing.url());
  EXPECT_EQ(RunLogs("01JE", true, f.flags, f.io), 1);
  EXPECT_EQ(f.err.str(), "ferry: the log stream failed: store closed\n");
}

TEST(RunLogs, PagesThroughRecordedLinesAsJson) {
  RawHttpServer server([](const RawRequest& r) {
    if (r.target.find("after=0") != std::string::npos) {
      return HttpReply(200, R"({"items": [{"sequence": 1, "text": "a"},
                                          {"sequence": 2, "text": "b"}], "next": 2})");
    }
    return HttpReply(200, R"({"items": [], "next": null})");
  });
  Harness h(server.url(), "json");
  EXPECT_EQ(RunLogs("01JE", false, h.flags, h.io), 0) << h.err.str();
  EXPECT_EQ(h.out.str(), "{\"sequence\":1,\"text\":\"a\"}\n{\"sequence\":2,\"text\":\"b\"}\n");
}

}  // namespace
}  // namespace ferry::cli
