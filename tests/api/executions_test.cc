// Executions list/get/abort, log pages and Server-Sent Events, deployments list.
#include <gmock/gmock.h>

#include <future>
#include <thread>

#include "api_fixture.h"
#include "common/secret_mask.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void ExpectError(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  ASSERT_TRUE(reply.json.contains("error")) << reply.body;
  EXPECT_EQ(reply.json["error"]["code"], code) << reply.body;
}

void AppendLogs(store::Store& store, const std::string& id, int from, int to) {
  std::vector<store::NewLogLine> lines;
  for (int i = from; i <= to; ++i) {
    lines.push_back({0, store::LogLevel::kInfo, "engine", "line " + std::to_string(i)});
  }
  auto appended = store.logs().Append(id, lines);
  ASSERT_TRUE(appended.ok()) << appended.error().ToString();
}

// Moves a pending step of the execution to running, in `state`.
store::StepTransition StartStep(const std::string& id, int index, const std::string& state) {
  store::StepTransition step;
  step.execution_id = id;
  step.index = index;
  step.from_status = store::StepStatus::kPending;
  step.from_state = "";
  step.to_status = store::StepStatus::kRunning;
  step.to_state = state;
  return step;
}

TEST_F(ApiServerTest, ListsExecutionsNewestFirstWithPaging) {
  auto a = CreateExecution("shop", "orders", "dev");
  auto b = CreateExecution("shop", "orders", "prod");
  auto c = CreateExecution("shop", "billing", "dev");

  Reply all = Get("/api/v1/executions");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["items"].size(), 3u);
  EXPECT_EQ(all.json["items"][0]["id"], c.id);
  EXPECT_EQ(all.json["items"][2]["id"], a.id);
  EXPECT_TRUE(all.json["next"].is_null());
  EXPECT_FALSE(all.json["items"][0].contains("steps"));
  EXPECT_EQ(all.json["items"][0]["status"], "queued");

  Reply page1 = Get("/api/v1/executions?limit=2");
  ASSERT_EQ(page1.json["items"].size(), 2u);
  ASSERT_EQ(page1.json["next"], b.id);
  Reply page2 = Get("/api/v1/executions?limit=2&before=" + page1.json["next"].get<std::string>());
  ASSERT_EQ(page2.json["items"].size(), 1u);
  EXPECT_EQ(page2.json["items"][0]["id"], a.id);
  EXPECT_TRUE(page2.json["next"].is_null());

  Reply filtered = Get("/api/v1/executions?service=orders&environment=dev");
  ASSERT_EQ(filtered.json["items"].size(), 1u);
  EXPECT_EQ(filtered.json["items"][0]["id"], a.id);

  Finish(b.id, store::ExecutionStatus::kSucceeded);
  Reply succeeded = Get("/api/v1/executions?status=succeeded");
  ASSERT_EQ(succeeded.json["items"].size(), 1u);
  EXPECT_EQ(succeeded.json["items"][0]["id"], b.id);
}

TEST_F(ApiServerTest, BadListParametersAre400) {
  for (const char* query :
       {"limit=0", "limit=201", "limit=abc", "limit=-1", "limit=1e3", "limit=99999999999999999999",
        "status=done", "colour=red", "service=a&service=b", "service=", "before=%00"}) {
    SCOPED_TRACE(query);
    ExpectError(Get(std::string("/api/v1/executions?") + query), 400, "invalid_argument");
  }
  Reply typo = Get("/api/v1/executions?aplication=shop");
  EXPECT_THAT(typo.json["error"]["message"].get<std::string>(), HasSubstr("application"));
}

TEST_F(ApiServerTest, GetsAnExecutionWithStepsAndOutputs) {
  auto e = CreateExecution();
  SecretMasker::Global().Register("hunter2-api-secret");
  auto running = store_->executions().Transition(
      {e.id, store::ExecutionStatus::kQueued, store::ExecutionStatus::kRunning, std::nullopt,
       R"({"note":"password hunter2-api-secret"})", std::nullopt});
  ASSERT_TRUE(running.ok()) << running.error().ToString();
  store::StepTransition step = StartStep(e.id, 0, "snapshot");
  step.outputs_json = R"({"deployments":[{"functionName":"shop-dev-orders-api"}]})";
  step.error = "failed with hunter2-api-secret";
  ASSERT_TRUE(store_->executions().TransitionStep(step).ok());
  clock_.Advance(std::chrono::seconds(3));

  Reply reply = Get("/api/v1/executions/" + e.id);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const Json& j = reply.json;
  EXPECT_EQ(j["id"], e.id);
  EXPECT_EQ(j["application"], "shop");
  EXPECT_EQ(j["service"], "orders");
  EXPECT_EQ(j["environment"], "dev");
  EXPECT_EQ(j["workflow"], "basic");
  EXPECT_EQ(j["status"], "running");
  EXPECT_TRUE(j["endedAt"].is_string() || j["endedAt"].is_null());
  EXPECT_TRUE(j["startedAt"].is_string());
  EXPECT_EQ(j["durationMs"], 3000);
  ASSERT_EQ(j["steps"].size(), 2u);
  EXPECT_EQ(j["steps"][0]["name"], "deploy");
  EXPECT_EQ(j["steps"][0]["kind"], "lambda.deploy");
  EXPECT_EQ(j["steps"][0]["status"], "running");
  EXPECT_EQ(j["steps"][0]["state"], "snapshot");
  EXPECT_EQ(j["steps"][0]["outputs"]["deployments"][0]["functionName"], "shop-dev-orders-api");
  EXPECT_EQ(j["steps"][1]["status"], "pending");
  EXPECT_TRUE(j["steps"][1]["durationMs"].is_null());
  EXPECT_THAT(reply.body, Not(HasSubstr("hunter2-api-secret")));
  EXPECT_THAT(j["outputs"]["note"].get<std::string>(), HasSubstr("****"));
  SecretMasker::Global().Unregister("hunter2-api-secret");
}

TEST_F(ApiServerTest, OutputsFalseLeavesTheOutputsOutAndHasItsOwnTag) {
  auto e = CreateExecution();
  const std::string path = "/api/v1/executions/" + e.id;
  ASSERT_TRUE(store_->executions()
                  .Transition({e.id, store::ExecutionStatus::kQueued,
                               store::ExecutionStatus::kRunning, std::nullopt,
                               R"({"note":"big"})", std::nullopt})
                  .ok());
  store::StepTransition step = StartStep(e.id, 0, "snapshot");
  step.outputs_json = R"({"deployments":[{"functionName":"shop-dev-orders-api"}]})";
  ASSERT_TRUE(store_->executions().TransitionStep(step).ok());

  Reply full = Get(path);
  Reply light = Get(path + "?outputs=false");
  ASSERT_EQ(light.status, 200) << light.body;
  EXPECT_EQ(light.json["status"], "running");
  EXPECT_FALSE(light.json.contains("outputs"));
  ASSERT_EQ(light.json["steps"].size(), 2u);
  EXPECT_EQ(light.json["steps"][0]["state"], "snapshot");
  for (const Json& s : light.json["steps"]) EXPECT_FALSE(s.contains("outputs"));
  EXPECT_EQ(full.json["steps"][0]["outputs"]["deployments"][0]["functionName"],
            "shop-dev-orders-api");
  for (const char* yes : {"outputs=true", "outputs=1", "outputs=TRUE"}) {
    EXPECT_TRUE(Get(path + "?" + yes).json.contains("outputs")) << yes;
  }
  EXPECT_FALSE(Get(path + "?outputs=0").json.contains("outputs"));

  // Two representations, two tags: a client never gets a 304 for a body it has not seen.
  const std::string full_tag = full.Header("ETag");
  const std::string light_tag = light.Header("ETag");
  EXPECT_NE(full_tag, light_tag);
  EXPECT_EQ(Get(path + "?outputs=false", {{"If-None-Match", light_tag}}).status, 304);
  EXPECT_EQ(Get(path + "?outputs=false", {{"If-None-Match", full_tag}}).status, 200);
  EXPECT_EQ(Get(path, {{"If-None-Match", light_tag}}).status, 200);
  EXPECT_EQ(Get(path, {{"If-None-Match", full_tag}}).status, 304);

  // A change shows in both.
  ASSERT_TRUE(store_->executions().TransitionStep(StartStep(e.id, 1, "prune")).ok());
  Reply changed = Get(path + "?outputs=false&wait=1", {{"If-None-Match", light_tag}});
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed.json["steps"][1]["status"], "running");
  EXPECT_NE(changed.Header("ETag"), light_tag);
}

TEST_F(ApiServerTest, BadOutputsParametersAre400) {
  auto e = CreateExecution();
  for (const char* query : {"outputs=", "outputs=no", "outputs=2", "outputs=true&outputs=false",
                            "outputs=%00", "output=false"}) {
    SCOPED_TRACE(query);
    ExpectError(Get("/api/v1/executions/" + e.id + "?" + query), 400, "invalid_argument");
  }
  ExpectError(Get("/api/v1/executions/01J0000000000000000000000X?outputs=false"), 404,
              "not_found");
  ExpectError(Get("/api/v1/executions/01J0000000000000000000000X?outputs=false&wait=1",
                  {{"If-None-Match", "\"1.2.3\""}}),
              404, "not_found");
}

TEST_F(ApiServerTest, AListOfExecutionsCarriesNoOutputs) {
  auto e = CreateExecution();
  ASSERT_TRUE(store_->executions()
                  .Transition({e.id, store::ExecutionStatus::kQueued,
                               store::ExecutionStatus::kRunning, std::nullopt,
                               R"({"note":"only in GET /executions/{id}"})", std::nullopt})
                  .ok());
  Reply list = Get("/api/v1/executions");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0]["status"], "running");
  EXPECT_FALSE(list.json["items"][0].contains("outputs"));
  EXPECT_FALSE(list.json["items"][0].contains("steps"));
  EXPECT_EQ(Get("/api/v1/executions/" + e.id).json["outputs"]["note"],
            "only in GET /executions/{id}");
}

// GET /executions/{id} on its own connection (the fixture's client is not shared across
// threads), with the token and these headers.
std::future<Reply> GetAsync(int port, const std::string& token, const std::string& path,
                            httplib::Headers headers) {
  return std::async(std::launch::async, [port, token, path, headers]() mutable {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(90, 0);
    headers.emplace("Authorization", "Bearer " + token);
    return ToReply(client.Get(path, headers));
  });
}

TEST_F(ApiServerTest, AnExecutionHasAnETagThatIfNoneMatchTurnsInto304) {
  auto e = CreateExecution();
  const std::string path = "/api/v1/executions/" + e.id;
  Reply first = Get(path);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string tag = first.Header("ETag");
  ASSERT_FALSE(tag.empty());
  EXPECT_EQ(tag.front(), '"');
  EXPECT_EQ(tag.back(), '"');

  for (const std::string& header : {tag, "W/" + tag, "\"other\", " + tag, std::string("*")}) {
    SCOPED_TRACE(header);
    Reply same = Get(path, {{"If-None-Match", header}});
    EXPECT_EQ(same.status, 304);
    EXPECT_EQ(same.body, "");
    EXPECT_EQ(same.Header("ETag"), tag);
  }
  // A tag it never sent, or junk, is simply not a match.
  for (const std::string& header : {std::string("\"1.2.3\""), std::string(5000, 'x'),
                                    std::string("\"\x01\""), std::string(",,,")}) {
    Reply other = Get(path, {{"If-None-Match", header}});
    EXPECT_EQ(other.status, 200);
    EXPECT_EQ(other.json["id"], e.id);
  }

  // Any change of the execution or of a step is a new tag.
  auto running = store_->executions().Transition(
      {e.id, store::ExecutionStatus::kQueued, store::ExecutionStatus::kRunning});
  ASSERT_TRUE(running.ok()) << running.error().ToString();
  Reply changed = Get(path, {{"If-None-Match", tag}});
  ASSERT_EQ(changed.status, 200);
  EXPECT_EQ(changed.json["status"], "running");
  const std::string running_tag = changed.Header("ETag");
  EXPECT_NE(running_tag, tag);
  ASSERT_TRUE(store_->executions().TransitionStep(StartStep(e.id, 1, "prune")).ok());
  Reply stepped = Get(path, {{"If-None-Match", running_tag}});
  ASSERT_EQ(stepped.status, 200);
  EXPECT_EQ(stepped.json["steps"][1]["status"], "running");
  EXPECT_NE(stepped.Header("ETag"), running_tag);
}

TEST_F(ApiServerTest, ALongPollAnswersWhenTheExecutionChanges) {
  auto e = CreateExecution();
  const std::string path = "/api/v1/executions/" + e.id;
  const std::string tag = Get(path).Header("ETag");

  // Woken by the change signal (what the engine's Runner notifies in ferry server).
  auto notified = GetAsync(server_->port(), token_, path + "?wait=60", {{"If-None-Match", tag}});
  EXPECT_EQ(notified.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "nothing changed, so the request is held";
  auto running = store_->executions().Transition(
      {e.id, store::ExecutionStatus::kQueued, store::ExecutionStatus::kRunning});
  ASSERT_TRUE(running.ok()) << running.error().ToString();
  changes_.Notify();
  Reply reply = notified.get();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["status"], "running");
  const std::string running_tag = reply.Header("ETag");
  EXPECT_NE(running_tag, tag);

  // Without a notification (a change made by another process) it is found by re-reading.
  auto polled =
      GetAsync(server_->port(), token_, path + "?wait=60", {{"If-None-Match", running_tag}});
  auto ended = store_->executions().Transition(
      {e.id, store::ExecutionStatus::kRunning, store::ExecutionStatus::kSucceeded});
  ASSERT_TRUE(ended.ok()) << ended.error().ToString();
  Reply done = polled.get();
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["status"], "succeeded");

  // Nothing changes within the wait: 304 with the same tag.
  Reply unchanged = Get(path + "?wait=1", {{"If-None-Match", done.Header("ETag")}});
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_EQ(unchanged.Header("ETag"), done.Header("ETag"));
  // wait without If-None-Match is an ordinary read.
  EXPECT_EQ(Get(path + "?wait=60").status, 200);
}

TEST_F(ApiServerTest, LongPollsBeyondTheirSlotsAreAnsweredAtOnce) {
  ApiServerOptions options;
  options.max_waiting_requests = 1;
  StartServer(options);
  auto e = CreateExecution();
  const std::string path = "/api/v1/executions/" + e.id;
  const std::string tag = Get(path).Header("ETag");
  auto a = GetAsync(server_->port(), token_, path + "?wait=60", {{"If-None-Match", tag}});
  auto b = GetAsync(server_->port(), token_, path + "?wait=60", {{"If-None-Match", tag}});
  // One of them holds the only slot; the other is told to come back.
  while (a.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready &&
         b.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
  }
  const bool a_first = a.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  Reply turned_away = a_first ? a.get() : b.get();
  EXPECT_EQ(turned_away.status, 304);
  EXPECT_EQ(turned_away.Header("Retry-After"), "1");
  auto running = store_->executions().Transition(
      {e.id, store::ExecutionStatus::kQueued, store::ExecutionStatus::kRunning});
  ASSERT_TRUE(running.ok()) << running.error().ToString();
  changes_.Notify();
  Reply held = a_first ? b.get() : a.get();
  EXPECT_EQ(held.status, 200);
  EXPECT_EQ(held.json["status"], "running");
}

TEST_F(ApiServerTest, StoppingTheServerEndsItsLongPolls) {
  auto e = CreateExecution();
  const std::string path = "/api/v1/executions/" + e.id;
  const std::string tag = Get(path).Header("ETag");
  auto held = GetAsync(server_->port(), token_, path + "?wait=60", {{"If-None-Match", tag}});
  EXPECT_EQ(held.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  server_->Stop();  // returns only once the held request's worker is free
  Reply reply = held.get();
  EXPECT_EQ(reply.status, 304);
}

TEST_F(ApiServerTest, BadWaitParametersAre400) {
  auto e = CreateExecution();
  for (const char* query : {"wait=-1", "wait=61", "wait=abc", "wait=1.5", "wait=", "wait=1&wait=2",
                            "wait=99999999999999999999", "timeout=3"}) {
    SCOPED_TRACE(query);
    ExpectError(Get("/api/v1/executions/" + e.id + "?" + query), 400, "invalid_argument");
  }
}

TEST_F(ApiServerTest, UnknownExecutionIs404) {
  Reply reply = Get("/api/v1/executions/01J0000000000000000000000X");
  ExpectError(reply, 404, "not_found");
  EXPECT_THAT(reply.json["error"]["message"].get<std::string>(), HasSubstr("01J000"));
  ExpectError(Get("/api/v1/executions/nope/logs"), 404, "not_found");
  ExpectError(Post("/api/v1/executions/nope/abort", ""), 404, "not_found");
}

TEST_F(ApiServerTest, AbortRequestsAndWakesTheEngine) {
  auto e = CreateExecution();
  Reply reply = Post("/api/v1/executions/" + e.id + "/abort", "");
  ASSERT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(reply.json["id"], e.id);
  EXPECT_EQ(reply.json["abortRequestedBy"], "token:tester");
  EXPECT_EQ(wakes_.load(), 1);
  auto stored = store_->executions().Get(e.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->abort_requested_by, "token:tester");

  ExpectError(Post("/api/v1/executions/" + e.id + "/abort", R"({"force":true})"), 400,
              "invalid_argument");
  ExpectError(Post("/api/v1/executions/" + e.id + "/abort", "[1]"), 400, "invalid_argument");

  auto done = CreateExecution();
  Finish(done.id, store::ExecutionStatus::kSucceeded);
  Reply conflict = Post("/api/v1/executions/" + done.id + "/abort", "{}");
  ExpectError(conflict, 409, "conflict");
  EXPECT_THAT(conflict.json["error"]["message"].get<std::string>(), HasSubstr("succeeded"));
}

TEST_F(ApiServerTest, LogPages) {
  auto e = CreateExecution();
  AppendLogs(*store_, e.id, 1, 5);
  Reply all = Get("/api/v1/executions/" + e.id + "/logs");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["items"].size(), 5u);
  EXPECT_EQ(all.json["items"][0]["sequence"], 1);
  EXPECT_EQ(all.json["items"][0]["text"], "line 1");
  EXPECT_EQ(all.json["items"][0]["level"], "info");
  EXPECT_EQ(all.json["items"][0]["source"], "engine");
  EXPECT_EQ(all.json["items"][0]["step"], 0);
  EXPECT_TRUE(all.json["items"][0]["at"].is_string());
  EXPECT_EQ(all.json["next"], 5);

  Reply page = Get("/api/v1/executions/" + e.id + "/logs?after=2&limit=2");
  ASSERT_EQ(page.json["items"].size(), 2u);
  EXPECT_EQ(page.json["items"][0]["sequence"], 3);
  EXPECT_EQ(page.json["next"], 4);
  Reply empty = Get("/api/v1/executions/" + e.id + "/logs?after=5");
  EXPECT_EQ(empty.json["items"].size(), 0u);
  EXPECT_EQ(empty.json["next"], 5);

  for (const char* query :
       {"after=-1", "after=x", "limit=0", "limit=1001", "follow=maybe", "tail=3"}) {
    SCOPED_TRACE(query);
    ExpectError(Get("/api/v1/executions/" + e.id + "/logs?" + query), 400, "invalid_argument");
  }
}

// Reads an SSE stream to its end (or until the server closes it) on another thread.
struct StreamReader {
  StreamReader(int port, const std::string& path, httplib::Headers headers) {
    result = std::async(std::launch::async, [this, port, path, headers] {
      httplib::Client client("127.0.0.1", port);
      client.set_read_timeout(20, 0);
      auto res = client.Get(path, headers, [this](const char* data, size_t n) {
        std::lock_guard lock(mu);
        text.append(data, n);
        return true;
      });
      return res ? res->status : -1;
    });
  }
  std::string Text() {
    std::lock_guard lock(mu);
    return text;
  }
  bool WaitFor(const std::string& needle) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Text().find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  std::mutex mu;
  std::string text;
  std::future<int> result;
};

TEST_F(ApiServerTest, FollowStreamsLinesThenEndsWhenTerminal) {
  auto e = CreateExecution();
  AppendLogs(*store_, e.id, 1, 2);
  StreamReader reader(server_->port(), "/api/v1/executions/" + e.id + "/logs",
                      {{"Authorization", "Bearer " + token_}, {"Accept", "text/event-stream"}});
  ASSERT_TRUE(reader.WaitFor("id: 2\n"));
  AppendLogs(*store_, e.id, 3, 4);
  ASSERT_TRUE(reader.WaitFor("id: 4\n"));
  EXPECT_THAT(reader.Text(), Not(HasSubstr("event: end")));
  Finish(e.id, store::ExecutionStatus::kSucceeded);
  ASSERT_EQ(reader.result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(reader.result.get(), 200);
  std::string text = reader.Text();
  EXPECT_THAT(text, HasSubstr("id: 1\nevent: log\ndata: {"));
  EXPECT_THAT(text, HasSubstr("\"text\":\"line 3\""));
  EXPECT_THAT(text, HasSubstr("event: end\ndata: {\"sequence\":4,\"status\":\"succeeded\"}"));
  // Lines arrive once each, in order.
  EXPECT_LT(text.find("id: 1\n"), text.find("id: 2\n"));
  EXPECT_LT(text.find("id: 3\n"), text.find("id: 4\n"));
  EXPECT_EQ(text.find("id: 3\n"), text.rfind("id: 3\n"));
}

TEST_F(ApiServerTest, FollowResumesAfterLastEventId) {
  auto e = CreateExecution();
  AppendLogs(*store_, e.id, 1, 6);
  Finish(e.id, store::ExecutionStatus::kFailed);
  StreamReader reader(server_->port(), "/api/v1/executions/" + e.id + "/logs?follow=1",
                      {{"Authorization", "Bearer " + token_}, {"Last-Event-ID", "4"}});
  ASSERT_EQ(reader.result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  std::string text = reader.Text();
  EXPECT_THAT(text, Not(HasSubstr("id: 4\n")));
  EXPECT_THAT(text, HasSubstr("id: 5\n"));
  EXPECT_THAT(text, HasSubstr("id: 6\n"));
  EXPECT_THAT(text, HasSubstr("\"status\":\"failed\""));

  ExpectError(Get("/api/v1/executions/" + e.id + "/logs?follow=1", {{"Last-Event-ID", "x"}}), 400,
              "invalid_argument");
}

TEST_F(ApiServerTest, StopEndsOpenStreamsPromptly) {
  auto e = CreateExecution();
  StreamReader reader(server_->port(), "/api/v1/executions/" + e.id + "/logs?follow=true",
                      {{"Authorization", "Bearer " + token_}});
  ASSERT_TRUE(reader.WaitFor("retry:"));
  server_->Stop();  // must return although the execution never ends
  ASSERT_EQ(reader.result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_THAT(reader.Text(), Not(HasSubstr("event: end")));
}

TEST_F(ApiServerTest, ListsDeploymentRecords) {
  auto e = CreateExecution();
  store::NewDeployment d;
  d.execution_id = e.id;
  d.application = "shop";
  d.service = "orders";
  d.environment = "dev";
  d.function = "api";
  d.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shop-dev-orders-api";
  d.version = "3";
  d.code_sha256 = "abc";
  d.aliases_json = R"({"dev":{"version":"3","weights":{}}})";
  ASSERT_TRUE(store_->deployments().Record(d, "engine").ok());
  Reply reply = Get("/api/v1/deployments?application=shop&function=api");
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_EQ(reply.json["items"].size(), 1u);
  EXPECT_EQ(reply.json["items"][0]["executionId"], e.id);
  EXPECT_EQ(reply.json["items"][0]["version"], "3");
  EXPECT_EQ(reply.json["items"][0]["aliases"]["dev"]["version"], "3");
  EXPECT_EQ(reply.json["items"][0]["state"], "succeeded");
  EXPECT_EQ(Get("/api/v1/deployments?function=other").json["items"].size(), 0u);
  ExpectError(Get("/api/v1/deployments?state=nope"), 400, "invalid_argument");
}

// Records `function` for `execution` one second after the previous record; its id.
std::string RecordDeployment(store::Store& store, FakeClock& clock, const std::string& execution,
                             const std::string& function) {
  clock.Advance(std::chrono::seconds(1));
  store::NewDeployment d;
  d.execution_id = execution;
  d.application = "shop";
  d.service = "orders";
  d.environment = "dev";
  d.function = function;
  d.version = "1";
  auto recorded = store.deployments().Record(d, "engine");
  EXPECT_TRUE(recorded.ok()) << recorded.error().ToString();
  return recorded.ok() ? recorded->id : "";
}

TEST_F(ApiServerTest, PagesDeploymentRecordsWithBefore) {
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 3; ++i) {
    auto e = CreateExecution();
    ids.push_back(RecordDeployment(*store_, clock_, e.id, "api"));
    ids.push_back(RecordDeployment(*store_, clock_, e.id, "worker"));
  }
  const std::vector<std::string> newest_first(ids.rbegin(), ids.rend());

  Reply whole = Get("/api/v1/deployments");
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(whole.json["items"].size(), 6u);
  EXPECT_TRUE(whole.json["next"].is_null());

  std::vector<std::string> seen;
  std::string path = "/api/v1/deployments?limit=2";
  int pages = 0;
  while (true) {
    Reply page = Get(path);
    ASSERT_EQ(page.status, 200) << page.body;
    ++pages;
    for (const Json& item : page.json["items"]) seen.push_back(item["id"]);
    if (page.json["next"].is_null()) break;
    ASSERT_EQ(page.json["items"].size(), 2u);
    EXPECT_EQ(page.json["next"], page.json["items"][1]["id"]);
    path = "/api/v1/deployments?limit=2&before=" + page.json["next"].get<std::string>();
    ASSERT_LT(pages, 10) << "paging does not end";
  }
  // 6 records by 2: the third page is full but nothing is older, so its `next` is null.
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, newest_first);

  // With a filter: the api records older than the newest api record, one a page.
  Reply api1 = Get("/api/v1/deployments?function=api&limit=1&before=" + ids[4]);
  ASSERT_EQ(api1.status, 200) << api1.body;
  ASSERT_EQ(api1.json["items"].size(), 1u);
  EXPECT_EQ(api1.json["items"][0]["id"], ids[2]);
  EXPECT_EQ(api1.json["next"], ids[2]);
  Reply api0 = Get("/api/v1/deployments?function=api&limit=1&before=" + ids[2]);
  ASSERT_EQ(api0.json["items"].size(), 1u);
  EXPECT_EQ(api0.json["items"][0]["id"], ids[0]);
  EXPECT_TRUE(api0.json["next"].is_null());
  // A cursor outside the filter (a worker record) still marks a place.
  Reply after_worker = Get("/api/v1/deployments?function=api&before=" + ids[3]);
  ASSERT_EQ(after_worker.json["items"].size(), 2u) << after_worker.body;
  EXPECT_EQ(after_worker.json["items"][0]["id"], ids[2]);
}

TEST_F(ApiServerTest, BadDeploymentCursorsAreRefused) {
  auto e = CreateExecution();
  const std::string id = RecordDeployment(*store_, clock_, e.id, "api");
  const std::string long_id(300, 'z');
  for (const std::string& query :
       {std::string("before="), "before=" + long_id, std::string("before=%00"),
        std::string("before=a%01b"), std::string("before=a%0Ab"), std::string("before=%7F"),
        std::string("before=%FF%FE"), "before=" + id + "&before=" + id, std::string("limit=201"),
        std::string("limit=0"), std::string("beforee=" + id)}) {
    SCOPED_TRACE(query);
    Reply reply = Get("/api/v1/deployments?" + query);
    ExpectError(reply, 400, "invalid_argument");
    EXPECT_THAT(reply.body, Not(HasSubstr(long_id)));  // long values are shortened, not echoed
  }
  Reply typo = Get("/api/v1/deployments?beforee=" + id);
  EXPECT_THAT(typo.json["error"]["message"].get<std::string>(), HasSubstr("before"));
  Reply twice = Get("/api/v1/deployments?before=" + id + "&before=" + id);
  EXPECT_THAT(twice.json["error"]["message"].get<std::string>(), HasSubstr("more than once"));

  // An id that names no deployment record (an execution's id is not one) is 404, not an empty
  // page that would read as "no older records".
  for (const std::string& unknown : {std::string("01J0000000000000000000000X"), e.id}) {
    Reply reply = Get("/api/v1/deployments?before=" + unknown);
    ExpectError(reply, 404, "not_found");
    const std::string message = reply.json["error"]["message"].get<std::string>();
    EXPECT_THAT(message, HasSubstr(unknown));
    EXPECT_THAT(message, HasSubstr("next"));
  }
  EXPECT_EQ(Get("/api/v1/deployments?before=" + id).json["items"].size(), 0u);
}

// Every list route treats an unknown cursor alike: 404 saying what to pass instead.
TEST_F(ApiServerTest, UnknownCursorsOfEveryListAreNotFound) {
  for (const char* list : {"executions", "artifacts", "deployments"}) {
    SCOPED_TRACE(list);
    Reply reply = Get(std::string("/api/v1/") + list + "?before=01J0000000000000000000000X");
    ExpectError(reply, 404, "not_found");
    EXPECT_THAT(reply.json["error"]["message"].get<std::string>(), HasSubstr("to page before"));
  }
}

}  // namespace
}  // namespace ferry::api::testing
