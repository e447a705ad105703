// A small REST client for end-to-end tests against `ferry server` / `ferry up` (docs/api.md):
// JSON in, status + parsed JSON out, the bearer token on every request, and waits on an
// execution's terminal status with a deadline. Link PkgConfig::HTTPLIB.
//
//   ApiClient api(server->url(), server->token());
//   auto r = api.Post("/api/v1/deployments", {{"application", "shop"}, ...});
//   ASSERT_EQ(r.status, 201) << r.body;
//   Json done = api.WaitForExecution(r.json["id"]);
//
// Not thread-safe (one client per thread).
#pragma once

#include <httplib.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "common/json.h"

namespace ferry::test {

struct ApiResponse {
  int status = 0;  // 0: no response (connection failed)
  std::string body;
  Json json;  // null when the body is not JSON
  std::string Describe() const { return std::to_string(status) + " " + body; }
};

// A string member of a JSON object; "" when absent, null or not a string.
inline std::string Str(const Json& object, const std::string& key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

inline const std::set<std::string>& TerminalStatuses() {
  static const std::set<std::string> kTerminal = {"succeeded", "failed", "aborted", "rolled_back",
                                                  "rollback_failed"};
  return kTerminal;
}

class ApiClient {
 public:
  ApiClient(const std::string& url, std::string token) : client_(url), token_(std::move(token)) {
    client_.set_connection_timeout(5);
    client_.set_read_timeout(60);
    client_.set_write_timeout(60);
  }

  ApiResponse Get(const std::string& path) { return Wrap(client_.Get(path, Headers())); }
  ApiResponse Delete(const std::string& path) { return Wrap(client_.Delete(path, Headers())); }
  ApiResponse Post(const std::string& path, const Json& body, const httplib::Headers& extra = {}) {
    return Wrap(client_.Post(path, Headers(extra), DumpJson(body), "application/json"));
  }
  ApiResponse Put(const std::string& path, const Json& body, const httplib::Headers& extra = {}) {
    return Wrap(client_.Put(path, Headers(extra), DumpJson(body), "application/json"));
  }
  ApiResponse PostRaw(const std::string& path, const std::string& body) {
    return Wrap(client_.Post(path, Headers(), body, "application/json"));
  }

  // Polls GET /api/v1/executions/{id} until its status is terminal; returns the last execution
  // seen (check "status"), or null when the deadline passed without a terminal status.
  Json WaitForExecution(const std::string& id,
                        std::chrono::seconds timeout = std::chrono::seconds(120)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Json last;
    while (std::chrono::steady_clock::now() < deadline) {
      ApiResponse r = Get("/api/v1/executions/" + id);
      if (r.status == 200 && r.json.is_object()) {
        last = r.json;
        if (TerminalStatuses().count(Str(last, "status")) != 0) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Json();
  }

  // Polls `path` until `done(response)` or the deadline; the last response.
  template <typename Pred>
  ApiResponse PollUntil(const std::string& path, Pred done,
                        std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ApiResponse r;
    while (std::chrono::steady_clock::now() < deadline) {
      r = Get(path);
      if (done(r)) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }

 private:
  httplib::Headers Headers(const httplib::Headers& extra = {}) const {
    httplib::Headers h = extra;
    if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
    return h;
  }
  static ApiResponse Wrap(const httplib::Result& result) {
    ApiResponse r;
    if (!result) return r;
    r.status = result->status;
    r.body = result->body;
    auto parsed = ParseJson(r.body);
    if (parsed.ok()) r.json = std::move(*parsed);
    return r;
  }

  httplib::Client client_;
  std::string token_;
};

}  // namespace ferry::test
