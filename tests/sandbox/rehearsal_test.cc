// Rehearsing a canary in the sandbox, over HTTP with real python handlers: AWS/Lambda metrics of
// alias invocations (weighted and not) with the executed version, invocation fault knobs
// (/_ferry/function-faults), traffic generators (/_ferry/traffic, --traffic) and an Errors alarm
// that fires on them.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "rehearsal_client.h"

namespace ferry::sandbox::test {
namespace {

SandboxOptions Options() {
  SandboxOptions o;
  o.update_delay = Duration(0);
  o.fault_seed = 7;
  o.max_workers_per_function = 4;
  return o;
}

class RehearsalTest : public ::testing::Test {
 protected:
  RehearsalClient c{Options()};
};

TEST_F(RehearsalTest, WeightedAliasMetricsCarryTheVersionThatRan) {
  ASSERT_NE(c.sandbox, nullptr);
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("orders", "live", 0.4));
  std::map<std::string, int> ran;
  int failed = 0;
  for (int i = 0; i < 30; ++i) {
    bool fail = i % 5 == 0;
    auto r = c.Invoke("orders", "live", fail ? Json{{"fail", true}} : Json::object());
    ASSERT_EQ(r.status, 200) << r.payload;
    ASSERT_TRUE(r.executed_version == "1" || r.executed_version == "2") << r.executed_version;
    EXPECT_EQ(r.payload.value("version", r.executed_version), r.executed_version);
    EXPECT_EQ(r.function_error, fail);
    ++ran[r.executed_version];
    failed += fail;
  }
  EXPECT_GT(ran["1"], 0);
  EXPECT_GT(ran["2"], 0);

  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders")), 30);
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders", "orders:live")), 30);
  EXPECT_EQ(c.LambdaMetric("Errors", Dims("orders")), failed);
  EXPECT_EQ(c.LambdaMetric("Errors", Dims("orders", "orders:live")), failed);
  double errors_by_version = 0;
  for (const char* v : {"1", "2"}) {
    EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders", "orders:live", v)), ran[v]) << v;
    EXPECT_EQ(c.LambdaMetric("Duration", Dims("orders", "orders:live", v), "SampleCount"), ran[v]);
    errors_by_version += c.LambdaMetric("Errors", Dims("orders", "orders:live", v));
  }
  EXPECT_EQ(errors_by_version, failed);
  EXPECT_EQ(c.LambdaMetric("Throttles", Dims("orders")), 0);

  // An alias without weights records the executed version too; a version qualifier has only
  // Resource; an unqualified call only FunctionName.
  auto stable = c.Lambda("POST", "/2015-03-31/functions/orders/aliases",
                         {{"Name", "stable"}, {"FunctionVersion", "2"}});
  ASSERT_EQ(stable.status, 201) << stable.body;
  EXPECT_EQ(c.Invoke("orders", "stable", Json::object()).executed_version, "2");
  EXPECT_EQ(c.Invoke("orders", "1", Json::object()).executed_version, "1");
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders", "orders:stable", "2")), 1);
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders", "orders:1")), 1);
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders", "orders:1", "1")), 0);
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("orders")), 32);
}

TEST_F(RehearsalTest, FunctionFaultFailsAndSlowsOneVersionDeterministically) {
  ASSERT_NE(c.sandbox, nullptr);
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("pay", "live", 0.5));
  auto set =
      c.Admin("POST", "/_ferry/function-faults",
              R"({"function":"pay","version":"2","errorRate":0.5,"addLatencyMs":40,"seed":11})");
  ASSERT_EQ(set.status, 200) << set.body;

  auto pattern = [&] {
    std::string p;
    for (int i = 0; i < 16; ++i) {
      auto r = c.Invoke("pay", "2", Json::object());
      EXPECT_EQ(r.status, 200);
      if (r.function_error) {
        EXPECT_EQ(r.payload["errorType"], "FerryInjectedError");
      } else {
        EXPECT_EQ(r.payload["marker"], "v2");
      }
      p += r.function_error ? '1' : '0';
    }
    return p;
  };
  std::string first = pattern();
  EXPECT_NE(first.find('1'), std::string::npos) << first;
  EXPECT_NE(first.find('0'), std::string::npos) << first;
  // The same seed replays the same decisions.
  ASSERT_EQ(
      c.Admin("POST", "/_ferry/function-faults",
              R"({"function":"pay","version":"2","errorRate":0.5,"addLatencyMs":40,"seed":11})")
          .status,
      200);
  EXPECT_EQ(pattern(), first);
  int injected = static_cast<int>(std::count(first.begin(), first.end(), '1'));

  // Version 1 is untouched; the knob's errors are Errors of version 2, its latency in Duration.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(c.Invoke("pay", "1", Json::object()).function_error);
  EXPECT_EQ(c.LambdaMetric("Errors", Dims("pay", "pay:2")), 2 * injected);
  EXPECT_EQ(c.LambdaMetric("Errors", Dims("pay", "pay:1")), 0);
  EXPECT_GE(c.LambdaMetric("Duration", Dims("pay", "pay:2"), "Minimum"), 40);

  Json listed = Json::parse(c.Admin("GET", "/_ferry/function-faults").body);
  ASSERT_EQ(listed["faults"].size(), 1u);
  EXPECT_EQ(listed["faults"][0]["version"], "2");
  EXPECT_EQ(listed["faults"][0]["invocations"], 16);
  EXPECT_EQ(listed["faults"][0]["errors"], injected);
  EXPECT_EQ(listed["seed"], 11);

  ASSERT_EQ(c.Admin("DELETE", "/_ferry/function-faults").status, 200);
  EXPECT_EQ(Json::parse(c.Admin("GET", "/_ferry/function-faults").body)["faults"].size(), 0u);
  EXPECT_EQ(pattern(), std::string(16, '0'));
}

TEST_F(RehearsalTest, LatencyPastTheTimeoutIsATimeout) {
  ASSERT_NE(c.sandbox, nullptr);
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("slow", "live", 0));
  auto cfg = c.Lambda("PUT", "/2015-03-31/functions/slow/configuration", {{"Timeout", 1}});
  ASSERT_EQ(cfg.status, 200) << cfg.body;
  RehearsalClient::WaitUntil([&] { return c.Active("slow"); }, "update settled");
  ASSERT_EQ(c.Admin("POST", "/_ferry/function-faults",
                    R"({"function":"slow","version":"$LATEST","addLatencyMs":1500})")
                .status,
            200);
  auto r = c.Invoke("slow", "%24LATEST", Json::object());
  EXPECT_TRUE(r.function_error);
  EXPECT_EQ(r.payload["errorType"], "Sandbox.Timedout");
  EXPECT_NE(r.payload["errorMessage"].get<std::string>().find("Task timed out after 1.00 seconds"),
            std::string::npos);
  EXPECT_EQ(c.LambdaMetric("Duration", Dims("slow", "slow:$LATEST"), "Maximum"), 1000);
}

TEST_F(RehearsalTest, TrafficGeneratorInvokesTheAliasAndCountsPerVersion) {
  ASSERT_NE(c.sandbox, nullptr);
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("shop", "live", 0.5));
  ASSERT_EQ(c.Admin("POST", "/_ferry/function-faults",
                    R"({"function":"shop","version":"2","errorRate":1})")
                .status,
            200);
  auto started = c.Admin("POST", "/_ferry/traffic",
                         R"({"function":"shop","qualifier":"live","ratePerSecond":20,
                             "payload":{"order":42},"seconds":1})");
  ASSERT_EQ(started.status, 201) << started.body;
  std::string id = Json::parse(started.body)["id"];
  Json done;
  RehearsalClient::WaitUntil(
      [&] {
        done = Json::parse(c.Admin("GET", "/_ferry/traffic/" + id).body);
        return done["state"] == "finished";
      },
      "the generator to finish");
  ASSERT_EQ(done["state"], "finished") << done;
  uint64_t invocations = done["invocations"];
  EXPECT_EQ(invocations + done["missed"].get<uint64_t>(), 20u) << done;
  EXPECT_GT(invocations, 0u);
  EXPECT_EQ(done["rejected"], 0) << done;
  EXPECT_EQ(done["payload"], Json({{"order", 42}}));
  const Json& by = done["byVersion"];
  uint64_t v1 = by.contains("1") ? by["1"]["invocations"].get<uint64_t>() : 0;
  uint64_t v2 = by.contains("2") ? by["2"]["invocations"].get<uint64_t>() : 0;
  EXPECT_EQ(v1 + v2, invocations);
  if (v1 > 0) {
    EXPECT_EQ(by["1"]["errors"], 0);
  }
  if (v2 > 0) {
    EXPECT_EQ(by["2"]["errors"], v2);
  }
  EXPECT_EQ(done["errors"], v2);

  // The same invocations are in CloudWatch, by executed version.
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("shop", "shop:live")), invocations);
  EXPECT_EQ(c.LambdaMetric("Invocations", Dims("shop", "shop:live", "2")), v2);
  EXPECT_EQ(c.LambdaMetric("Errors", Dims("shop", "shop:live", "2")), v2);
  EXPECT_EQ(c.LambdaMetric("Errors", Dims("shop", "shop:live", "1")), 0);

  // An open-ended generator runs until deleted; deleting answers its final counts.
  auto open = c.Admin("POST", "/_ferry/traffic",
                      R"({"function":"shop","qualifier":"live","ratePerSecond":50})");
  ASSERT_EQ(open.status, 201) << open.body;
  std::string open_id = Json::parse(open.body)["id"];
  RehearsalClient::WaitUntil(
      [&] {
        return Json::parse(c.Admin("GET", "/_ferry/traffic/" + open_id).body)["invocations"] >= 3;
      },
      "open-ended traffic");
  auto removed = c.Admin("DELETE", "/_ferry/traffic/" + open_id);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(Json::parse(removed.body)["state"], "stopped");
  EXPECT_EQ(c.Admin("GET", "/_ferry/traffic/" + open_id).status, 404);
  EXPECT_EQ(c.Admin("DELETE", "/_ferry/traffic/" + open_id).status, 404);
  Json list = Json::parse(c.Admin("GET", "/_ferry/traffic").body);
  ASSERT_EQ(list["generators"].size(), 1u);
  EXPECT_EQ(list["generators"][0]["id"], id);
}

TEST_F(RehearsalTest, ErrorsAlarmFiresWithinSecondsOfFailingTraffic) {
  ASSERT_NE(c.sandbox, nullptr);
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("cart", "live", 0.5));
  c.CloudWatch("PutMetricAlarm", {{"AlarmName", "cart-canary-errors"},
                                  {"Namespace", "AWS/Lambda"},
                                  {"MetricName", "Errors"},
                                  {"Dimensions", Dims("cart", "cart:live", "2")},
                                  {"Statistic", "Sum"},
                                  {"Period", 10},
                                  {"EvaluationPeriods", 1},
                                  {"Threshold", 1},
                                  {"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
                                  {"TreatMissingData", "notBreaching"}});
  auto state = [&] {
    Json out = c.CloudWatch("DescribeAlarms", {{"AlarmNames", {"cart-canary-errors"}}});
    return out["MetricAlarms"].empty() ? std::string()
                                       : out["MetricAlarms"][0]["StateValue"].get<std::string>();
  };
  EXPECT_EQ(state(), "OK");  // notBreaching: no data is OK

  ASSERT_EQ(c.Admin("POST", "/_ferry/function-faults",
                    R"({"function":"cart","version":"2","errorRate":1})")
                .status,
            200);
  ASSERT_EQ(c.Admin("POST", "/_ferry/traffic",
                    R"({"function":"cart","qualifier":"live","ratePerSecond":10})")
                .status,
            201);
  RehearsalClient::WaitUntil([&] { return state() == "ALARM"; }, "the alarm to fire",
                             std::chrono::seconds(30));
  ASSERT_EQ(c.Admin("DELETE", "/_ferry/traffic").status, 200);

  // With the traffic gone, the next period has no data: once the clock passes it, the alarm is
  // OK again, in its history without reading the alarm first.
  c.AdvanceClock(30);
  Json history = c.CloudWatch("DescribeAlarmHistory", {{"AlarmName", "cart-canary-errors"},
                                                       {"HistoryItemType", "StateUpdate"}});
  ASSERT_GE(history["AlarmHistoryItems"].size(), 2u) << history;
  EXPECT_EQ(history["AlarmHistoryItems"][0]["HistorySummary"], "Alarm updated from ALARM to OK");
  EXPECT_EQ(state(), "OK");
}

TEST_F(RehearsalTest, AdminRoutesRefuseMalformedOversizedAndHostileInput) {
  ASSERT_NE(c.sandbox, nullptr);
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  std::string huge_payload = R"({"function":"f","qualifier":"live","ratePerSecond":1,"payload":")" +
                             std::string(200 * 1024, 'x') + R"("})";
  struct Case {
    const char* route;
    std::string body;
    int status;
  };
  std::vector<Case> cases = {
      {"/_ferry/function-faults", "{not json", 400},
      {"/_ferry/function-faults", "[]", 400},
      {"/_ferry/function-faults", deep, 400},
      {"/_ferry/function-faults", std::string(20000, ' ') + "{}", 413},
      {"/_ferry/function-faults", R"({"version":"2","errorRate":0.5})", 400},
      {"/_ferry/function-faults", R"({"function":"f","errorRate":1.5})", 400},
      {"/_ferry/function-faults", R"({"function":"f","errorRate":"0.5"})", 400},
      {"/_ferry/function-faults", R"({"function":"f","errorRate":-0.1})", 400},
      {"/_ferry/function-faults", R"({"function":"f","addLatencyMs":-1})", 400},
      {"/_ferry/function-faults", R"({"function":"f","addLatencyMs":99999999})", 400},
      {"/_ferry/function-faults", R"({"function":"f","addLatencyMs":1.5})", 400},
      {"/_ferry/function-faults", R"({"function":"f"})", 400},
      {"/_ferry/function-faults", R"({"function":"../../etc","errorRate":1})", 400},
      {"/_ferry/function-faults", R"({"function":"f","version":"01","errorRate":1})", 400},
      {"/_ferry/function-faults", R"({"function":"f","version":"live","errorRate":1})", 400},
      {"/_ferry/function-faults", R"({"function":"f","errorRate":1,"seed":-3})", 400},
      {"/_ferry/function-faults", R"({"function":"f","errorRate":1,"extra":true})", 400},
      {"/_ferry/traffic", "{not json", 400},
      {"/_ferry/traffic", "42", 400},
      {"/_ferry/traffic", deep, 400},
      {"/_ferry/traffic", huge_payload, 413},
      {"/_ferry/traffic", R"({"qualifier":"live","ratePerSecond":1})", 400},
      {"/_ferry/traffic", R"({"function":"f","ratePerSecond":1})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live"})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":0})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":1e9})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":"5"})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":1,"seconds":0})",
       400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":1,"seconds":1e12})",
       400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"a/b","ratePerSecond":1})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":1,"x":1})", 400},
      {"/_ferry/traffic", R"({"function":"f","qualifier":"live","ratePerSecond":1,
                              "account":"../1"})",
       400},
      {"/_ferry/traffic", R"({"function":"nope","qualifier":"live","ratePerSecond":1})", 404},
  };
  for (const Case& k : cases) {
    auto r = c.Admin("POST", k.route, k.body);
    EXPECT_EQ(r.status, k.status) << k.route << " " << k.body.substr(0, 120) << " -> " << r.body;
    auto parsed = ParseJson(r.body);
    EXPECT_TRUE(parsed.ok() && parsed->contains("error")) << r.body;
  }
  EXPECT_EQ(c.Admin("PUT", "/_ferry/function-faults", "{}").status, 405);
  EXPECT_EQ(c.Admin("PUT", "/_ferry/traffic", "{}").status, 405);
  EXPECT_EQ(c.Admin("POST", "/_ferry/traffic/traffic-1", "{}").status, 405);
  EXPECT_EQ(c.Admin("GET", "/_ferry/trafficx").status, 404);
  EXPECT_EQ(c.Admin("GET", "/_ferry/function-faults/x").status, 404);
  EXPECT_EQ(c.Admin("DELETE", "/_ferry/traffic/%2e%2e").status, 404);
  // Nothing was set or started by any of it.
  EXPECT_EQ(Json::parse(c.Admin("GET", "/_ferry/function-faults").body)["faults"].size(), 0u);
  EXPECT_EQ(Json::parse(c.Admin("GET", "/_ferry/traffic").body)["generators"].size(), 0u);

  // Bounded: at most 8 generators run at once.
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("busy", "live", 0));
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(c.Admin("POST", "/_ferry/traffic",
                      R"({"function":"busy","qualifier":"live","ratePerSecond":0.5})")
                  .status,
              201);
  }
  EXPECT_EQ(c.Admin("POST", "/_ferry/traffic",
                    R"({"function":"busy","qualifier":"live","ratePerSecond":0.5})")
                .status,
            429);
  auto all = c.Admin("DELETE", "/_ferry/traffic");
  EXPECT_EQ(Json::parse(all.body)["generators"].size(), 8u);
}

TEST(RehearsalFlagTest, TrafficFlagStartsAGeneratorThatWaitsForTheFunction) {
  SandboxOptions options = Options();
  options.traffic = {"later:live@20"};
  RehearsalClient c(options);
  ASSERT_NE(c.sandbox, nullptr);
  Json list;
  RehearsalClient::WaitUntil(
      [&] {
        list = Json::parse(c.Admin("GET", "/_ferry/traffic").body);
        return list["generators"].size() == 1 && list["generators"][0]["rejected"] > 0;
      },
      "rejected calls before the function exists");
  EXPECT_NE(
      list["generators"][0]["lastRejection"].get<std::string>().find("ResourceNotFoundException"),
      std::string::npos)
      << list;
  ASSERT_NO_FATAL_FAILURE(c.DeployCanary("later", "live", 0));
  RehearsalClient::WaitUntil(
      [&] {
        list = Json::parse(c.Admin("GET", "/_ferry/traffic").body);
        return list["generators"][0]["invocations"] > 0;
      },
      "invocations once the function exists");
  EXPECT_GT(c.LambdaMetric("Invocations", Dims("later", "later:live", "1")), 0);
  // Destroying the sandbox with the generator running stops it (the test ending is the check).
}

TEST(RehearsalFlagTest, BadTrafficFlagsStopStartUp) {
  for (const char* bad : {"no-alias@5", "fn:live", "fn:live@0", "fn:live@1e9", "fn:live@x",
                          "f n:live@1", "fn:li/ve@1", ":live@1"}) {
    SandboxOptions options = Options();
    options.port = 0;
    options.traffic = {bad};
    auto started = Sandbox::Start(options);
    EXPECT_FALSE(started.ok()) << bad;
  }
}

}  // namespace
// Issue 18: a web page in a local browser could POST to the unsigned admin endpoint (a simple
// cross-origin request needs no preflight) and install faults. Browsers mark such requests.
TEST_F(RehearsalTest, TheAdminEndpointRefusesRequestsFromWebPages) {
  ASSERT_NE(c.sandbox, nullptr);
  const std::string fault =
      Json{{"function", "orders"}, {"version", "1"}, {"errorRate", 1.0}}.dump();
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Origin", "http://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}) {
    http::Request r;
    r.method = "POST";
    r.url = c.sandbox->endpoint_url() + "/_ferry/function-faults";
    r.body = fault;
    r.headers = {{"Content-Type", "text/plain"}, {name, value}};
    auto response = c.http->Send(r);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 403) << name;
    EXPECT_NE(response->body.find("refuses requests from web pages"), std::string::npos) << name;
  }
  EXPECT_EQ(Json::parse(c.Admin("GET", "/_ferry/function-faults").body)["faults"].size(), 0u);
}

// DNS rebinding (issue 18, item 5): a page whose name now resolves to 127.0.0.1 reaches the
// sandbox from the local browser with its own name in Host; the sandbox refuses it, for the
// admin endpoint and the AWS APIs alike, and still answers loopback names.
TEST_F(RehearsalTest, LoopbackClientsMustNameALoopbackHost) {
  ASSERT_NE(c.sandbox, nullptr);
  const std::string port =
      c.sandbox->endpoint_url().substr(c.sandbox->endpoint_url().rfind(':') + 1);
  auto get = [&](const std::string& path, const std::string& host) {
    http::Request r;
    r.method = "GET";
    r.url = c.sandbox->endpoint_url() + path;
    r.headers = {{"Host", host}};
    auto response = c.http->Send(r);
    EXPECT_TRUE(response.ok()) << response.error().message;
    return response.ok() ? *response : http::Response{};
  };
  for (const std::string& host :
       std::vector<std::string>{"evil.example:" + port, "evil.example", "127.0.0.1.evil.example",
                                "[::2]:" + port, "localhost.evil.example"}) {
    for (const char* path : {"/_ferry/health", "/2015-03-31/functions/"}) {
      http::Response refused = get(path, host);
      EXPECT_EQ(refused.status, 403) << host << path;
      EXPECT_NE(refused.body.find("DNS rebinding"), std::string::npos) << refused.body;
    }
  }
  for (const std::string& host :
       std::vector<std::string>{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST",
                                "bucket.localhost:" + port, "[::1]:" + port}) {
    EXPECT_EQ(get("/_ferry/health", host).status, 200) << host;
  }
}

}  // namespace ferry::sandbox::test
