// A `ferry sandbox` started in-process on port 0 and spoken to over HTTP: admin routes unsigned,
// Lambda and CloudWatch calls signed with the default credentials (test/test) at the sandbox's
// time (which POST /_ferry/clock moves). For the canary-rehearsal tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "aws/sigv4.h"
#include "common/crypto.h"
#include "common/http_client.h"
#include "common/json.h"
#include "common/zip_archive.h"
#include "sandbox/sandbox.h"

namespace ferry::sandbox::test {

class RehearsalClient {
 public:
  explicit RehearsalClient(SandboxOptions options) {
    options.port = 0;
    auto started = Sandbox::Start(options);
    EXPECT_TRUE(started.ok()) << started.error().message;
    if (started.ok()) sandbox = std::move(started).value();
    http = std::move(http::Client::Create()).value();
  }

  http::Response Admin(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    http::Request r;
    r.method = method;
    r.url = sandbox->endpoint_url() + path;
    r.body = body;
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    auto response = http->Send(r);
    EXPECT_TRUE(response.ok()) << response.error().message;
    return response.ok() ? *response : http::Response{};
  }

  // Moves the sandbox clock and signs later requests with its time.
  void AdvanceClock(int seconds) {
    auto r = Admin("POST", "/_ferry/clock", Json{{"advance_seconds", seconds}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    offset_seconds_ = Json::parse(r.body)["offset_seconds"].get<int64_t>();
  }
  TimePoint SandboxNow() const {
    return std::chrono::system_clock::now() + std::chrono::seconds(offset_seconds_);
  }

  http::Response Signed(const std::string& service, const std::string& method,
                        const std::string& path_and_query, const std::string& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    aws::HttpRequest request;
    request.method = method;
    request.url = sandbox->endpoint_url() + path_and_query;
    request.headers = std::move(headers);
    request.body = body;
    aws::Credentials creds;
    creds.access_key_id = "test";
    creds.secret_access_key = "test";
    aws::SigningParams params;
    params.region = "us-east-1";
    params.service = service;
    params.time = SandboxNow();
    aws::SignRequest(request, creds, params);
    http::Request r;
    r.method = request.method;
    r.url = request.url;
    r.headers = request.headers;
    r.body = request.body;
    auto response = http->Send(r);
    EXPECT_TRUE(response.ok()) << response.error().message;
    return response.ok() ? *response : http::Response{};
  }

  http::Response Lambda(const std::string& method, const std::string& path, const Json& body) {
    return Signed("lambda", method, path, body.is_null() ? "" : body.dump(),
                  {{"Content-Type", "application/json"}});
  }

  // CloudWatch over awsJson1_0 (what the AWS SDK for JavaScript v3 speaks).
  Json CloudWatch(const std::string& action, const Json& body) {
    auto r = Signed("monitoring", "POST", "/", body.dump(),
                    {{"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", "GraniteServiceVersion20100801." + action}});
    EXPECT_EQ(r.status, 200) << action << ": " << r.body;
    auto parsed = ParseJson(r.body);
    return parsed.ok() ? *parsed : Json();
  }

  // `statistic` of AWS/Lambda `metric` with exactly these dimensions over the last hour (0 when
  // there is no data).
  double LambdaMetric(const std::string& metric, const Json& dimensions,
                      const std::string& statistic = "Sum") {
    auto epoch = [](TimePoint t) {
      return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    Json out = CloudWatch("GetMetricStatistics",
                          {{"Namespace", "AWS/Lambda"},
                           {"MetricName", metric},
                           {"Dimensions", dimensions},
                           {"StartTime", epoch(SandboxNow() - std::chrono::hours(1))},
                           {"EndTime", epoch(SandboxNow() + std::chrono::minutes(5))},
                           {"Period", 3600},
                           {"Statistics", {statistic}}});
    std::optional<double> total;
    for (const Json& point : out["Datapoints"]) {
      double v = point[statistic].get<double>();
      if (!total) {
        total = v;
      } else if (statistic == "Minimum") {
        total = std::min(*total, v);
      } else if (statistic == "Maximum") {
        total = std::max(*total, v);
      } else {
        *total += v;
      }
    }
    return total.value_or(0);
  }

  // A python function whose handler answers its marker, or raises when the event says "fail".
  static std::string HandlerZip(const std::string& marker) {
    std::string code =
        "def handler(event, context):\n"
        "    if isinstance(event, dict) and event.get('fail'):\n"
        "        raise ValueError('asked to fail')\n"
        "    return {'marker': '" +
        marker + "', 'version': context.function_version}\n";
    auto zip = WriteZip({{"app.py", code}});
    EXPECT_TRUE(zip.ok());
    return zip.ok() ? *zip : std::string();
  }

  // Creates `name` (version 1 = marker v1, version 2 = v2) and alias `alias` on version 1 with
  // `weight_v2` of the traffic on version 2 (no routing config when 0).
  void DeployCanary(const std::string& name, const std::string& alias, double weight_v2) {
    const std::string base = "/2015-03-31/functions/" + name;
    auto created = Lambda("POST", "/2015-03-31/functions",
                          {{"FunctionName", name},
                           {"Runtime", "python3.12"},
                           {"Handler", "app.handler"},
                           {"Role", "arn:aws:iam::000000000000:role/r"},
                           {"Timeout", 3},
                           {"Code", {{"ZipFile", Base64Encode(HandlerZip("v1"))}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    WaitUntil([&] { return Active(name); }, "function active");
    ASSERT_EQ(Lambda("POST", base + "/versions", Json::object()).status, 201);
    auto updated = Lambda("PUT", base + "/code", {{"ZipFile", Base64Encode(HandlerZip("v2"))}});
    ASSERT_EQ(updated.status, 200) << updated.body;
    WaitUntil([&] { return Active(name); }, "update settled");
    auto v2 = Lambda("POST", base + "/versions", Json::object());
    ASSERT_EQ(v2.status, 201) << v2.body;
    Json alias_body = {{"Name", alias}, {"FunctionVersion", "1"}};
    if (weight_v2 > 0) {
      alias_body["RoutingConfig"] = {{"AdditionalVersionWeights", {{"2", weight_v2}}}};
    }
    auto made = Lambda("POST", base + "/aliases", alias_body);
    ASSERT_EQ(made.status, 201) << made.body;
  }

  bool Active(const std::string& name) {
    auto r = Lambda("GET", "/2015-03-31/functions/" + name + "/configuration", nullptr);
    if (r.status != 200) return false;
    Json c = Json::parse(r.body);
    return c.value("State", "") == "Active" && c.value("LastUpdateStatus", "") == "Successful";
  }

  struct Invocation {
    int status = 0;
    std::string executed_version;
    bool function_error = false;
    Json payload;
  };
  Invocation Invoke(const std::string& name, const std::string& qualifier, const Json& event) {
    auto r = Lambda("POST", "/2015-03-31/functions/" + name + "/invocations?Qualifier=" + qualifier,
                    event);
    Invocation out;
    out.status = r.status;
    out.executed_version = r.Header("x-amz-executed-version");
    out.function_error = r.Header("x-amz-function-error") == "Unhandled";
    auto parsed = ParseJson(r.body);
    if (parsed.ok()) out.payload = *parsed;
    return out;
  }

  // Waits for `done` (polling) up to `timeout`; fails the test naming `what` otherwise.
  static bool WaitUntil(const std::function<bool()>& done, const std::string& what,
                        std::chrono::seconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "timed out waiting for " << what;
    return false;
  }

  std::unique_ptr<Sandbox> sandbox;
  std::unique_ptr<http::Client> http;

 private:
  int64_t offset_seconds_ = 0;
};

inline Json Dims(const std::string& function, const std::string& resource = "",
                 const std::string& executed_version = "") {
  Json dims = Json::array({{{"Name", "FunctionName"}, {"Value", function}}});
  if (!resource.empty()) dims.push_back({{"Name", "Resource"}, {"Value", resource}});
  if (!executed_version.empty()) {
    dims.push_back({{"Name", "ExecutedVersion"}, {"Value", executed_version}});
  }
  return dims;
}

}  // namespace ferry::sandbox::test
