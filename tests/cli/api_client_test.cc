// The API client against a scripted local server that misbehaves on purpose (raw_http_server.h):
// every failure must become a clear Error, never a crash, and never show the token.
#include "cli/api_client.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/watch.h"
#include "common/clock.h"
#include "common/json.h"
#include "raw_http_server.h"

namespace ferry::cli {
namespace {

using test::HttpReply;
using test::RawHttpServer;
using test::RawReply;
using test::RawRequest;

constexpr const char* kToken =
    "fry_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::unique_ptr<ApiClient> Client(const std::string& url, std::ostream* trace = nullptr,
                                  HttpClientOptions http = {}) {
  ApiClientOptions options;
  options.server_url = url;
  options.token = kToken;
  options.http = http;
  options.trace = trace;
  auto client = ApiClient::Create(options);
  EXPECT_TRUE(client.ok());
  return std::move(*client);
}

Error GetError(const RawReply& reply, HttpClientOptions http = {}) {
  RawHttpServer server([&](const RawRequest&) { return reply; });
  auto result = Client(server.url(), nullptr, http)->Get("/api/v1/executions");
  EXPECT_FALSE(result.ok());
  if (result.ok()) return Error{};
  EXPECT_EQ(result.error().message.find(kToken), std::string::npos);
  return result.error();
}

TEST(ApiClient, SendsTheTokenAndParsesJson) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(200, R"({"items": []})"); });
  auto client = Client(server.url() + "/");
  auto result = client->Get(ApiClient::ApiPath({"executions"}),
                            {{"application", "a b&c"}, {"status", ""}, {"limit", "5"}});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE((*result)["items"].is_array());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/api/v1/executions?application=a%20b%26c&limit=5");
  EXPECT_EQ(requests[0].headers["authorization"], std::string("Bearer ") + kToken);
}

TEST(ApiClient, PostsJsonWithAnIdempotencyKey) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(201, R"({"id": "e1"})"); });
  auto result = Client(server.url())->Post("/api/v1/deployments", Json{{"a", 1}}, "key-1");
  ASSERT_TRUE(result.ok());
  auto r = server.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_EQ(r.headers["idempotency-key"], "key-1");
  EXPECT_EQ(r.headers["content-type"], "application/json");
}

// "HTTP/1.1 STATUS" with extra header lines and an empty or JSON body.
RawReply ReplyWithHeaders(int status, const std::string& headers, const std::string& body = "") {
  return {"HTTP/1.1 " + std::to_string(status) + " X\r\n" + headers +
              (body.empty() ? "" : "Content-Type: application/json\r\n") + "Content-Length: " +
              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
          false};
}

TEST(ApiClient, ConditionalGetsSendTheTagAndTell304FromABody) {
  int calls = 0;
  RawHttpServer server([&](const RawRequest& r) {
    ++calls;
    if (r.headers.count("if-none-match") == 0) {
      return ReplyWithHeaders(200, "ETag: \"1.2.3\"\r\n", R"({"status": "running"})");
    }
    if (calls == 2) return ReplyWithHeaders(304, "ETag: \"1.2.3\"\r\n");
    if (calls == 3) return ReplyWithHeaders(304, "ETag: \"1.2.3\"\r\nRetry-After: 1\r\n");
    return ReplyWithHeaders(200, "ETag: W/\"2.2.5\"\r\n", R"({"status": "succeeded"})");
  });
  auto client = Client(server.url());
  std::string etag;
  Json body;
  bool retry_later = true;
  auto first = client->GetIfChanged("/api/v1/executions/e1", {}, etag, body, &retry_later);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  EXPECT_EQ(body["status"], "running");
  EXPECT_EQ(etag, "\"1.2.3\"");
  EXPECT_FALSE(retry_later);

  auto held =
      client->GetIfChanged("/api/v1/executions/e1", {{"wait", "1"}}, etag, body, &retry_later);
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_FALSE(*held);
  EXPECT_FALSE(retry_later);
  auto busy =
      client->GetIfChanged("/api/v1/executions/e1", {{"wait", "1"}}, etag, body, &retry_later);
  ASSERT_TRUE(busy.ok());
  EXPECT_FALSE(*busy);
  EXPECT_TRUE(retry_later);
  auto changed = client->GetIfChanged("/api/v1/executions/e1", {{"wait", "1"}}, etag, body);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(body["status"], "succeeded");
  EXPECT_EQ(etag, "W/\"2.2.5\"");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].headers.count("if-none-match"), 0u);
  EXPECT_EQ(requests[1].headers["if-none-match"], "\"1.2.3\"");
  EXPECT_EQ(requests[1].target, "/api/v1/executions/e1?wait=1");
}

TEST(ApiClient, HostileTagsAreDroppedAndAnUnasked304IsAnError) {
  const std::string json = R"({"status": "running"})";
  for (const std::string& header : std::vector<std::string>{
           "ETag: unquoted\r\n", "ETag: \"" + std::string(300, 'a') + "\"\r\n", "ETag: \"a b\"\r\n",
           "ETag: \"a\x01\"\r\n", "ETag: \"\xc3\xa9\"\r\n", "ETag: \"\r\n", std::string("")}) {
    SCOPED_TRACE(header);
    RawHttpServer server([&](const RawRequest&) { return ReplyWithHeaders(200, header, json); });
    std::string etag = "\"old\"";
    Json body;
    auto got = Client(server.url())->GetIfChanged("/api/v1/executions/e1", {}, etag, body);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(*got);
    EXPECT_EQ(etag, "") << "a tag that is not well-formed is never sent back";
  }
  RawHttpServer server([](const RawRequest&) { return ReplyWithHeaders(304, ""); });
  std::string etag;
  Json body;
  auto got = Client(server.url())->GetIfChanged("/api/v1/executions/e1", {}, etag, body);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("304"), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().message.find(kToken), std::string::npos);
}

std::string ExecutionBody(const std::string& status) {
  return R"({"id": "e1", "application": "shop", "service": "orders", "environment": "dev",
             "workflow": "basic", "status": ")" +
         status + R"(", "createdAt": "2026-01-01T00:00:00Z", "steps": []})";
}

TEST(WaitForExecution, LongPollsWithTheTagAndStopsAtTheTerminalStatus) {
  int calls = 0;
  RawHttpServer server([&](const RawRequest&) {
    switch (++calls) {
      case 1:
        return ReplyWithHeaders(200, "ETag: \"1\"\r\n", ExecutionBody("running"));
      case 2:
        return ReplyWithHeaders(304, "ETag: \"1\"\r\n");
      default:
        return ReplyWithHeaders(200, "ETag: \"2\"\r\n", ExecutionBody("succeeded"));
    }
  });
  FakeClock clock{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  auto client = Client(server.url());
  auto done = WaitForExecution(*client, "e1", clock, nullptr);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->status, "succeeded");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  // Progress needs statuses only: every request leaves the outputs out.
  EXPECT_EQ(requests[0].target, "/api/v1/executions/e1?outputs=false");
  EXPECT_EQ(requests[1].target, "/api/v1/executions/e1?outputs=false&wait=1");
  EXPECT_EQ(requests[1].headers["if-none-match"], "\"1\"");
  EXPECT_EQ(requests[2].headers["if-none-match"], "\"1\"");
}

TEST(WaitForExecution, AServerWithoutTagsIsPolledEveryInterval) {
  int calls = 0;
  RawHttpServer server([&](const RawRequest&) {
    return HttpReply(200, ExecutionBody(++calls < 3 ? "running" : "failed"));
  });
  FakeClock clock{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  const auto start = clock.SteadyNow();
  auto done = WaitForExecution(*Client(server.url()), "e1", clock, nullptr);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->status, "failed");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const RawRequest& r : requests) {
    EXPECT_EQ(r.target, "/api/v1/executions/e1?outputs=false");
    EXPECT_EQ(r.headers.count("if-none-match"), 0u);
  }
  EXPECT_EQ(clock.SteadyNow() - start, std::chrono::seconds(2)) << "slept one interval per poll";
}

TEST(ApiClient, ConnectionRefusedSaysHowToFixIt) {
  std::string url;
  {
    RawHttpServer gone([](const RawRequest&) { return HttpReply(200, "{}"); });
    url = gone.url();
  }  // closed: nothing listens on that port now
  auto result = Client(url)->Get("/api/v1/executions");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().message, "cannot reach the Ferry server at " + url +
                                        ": connection refused (is `ferry server` running? set "
                                        "FERRY_SERVER or --server)");
}

TEST(ApiClient, UnauthorizedNamesFerryTokenWithoutShowingIt) {
  Error e = GetError(HttpReply(401, R"({"error": {"code": "unauthenticated", "message": "no"}})"));
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
  EXPECT_NE(e.message.find("the server refused the token (set FERRY_TOKEN"), std::string::npos);
}

TEST(ApiClient, JsonErrorBodiesBecomeTheirMessage) {
  Error e = GetError(
      HttpReply(400, R"({"error": {"code": "invalid_argument", "message": "no workflow for dev",
               "problems": [{"path": "environment", "message": "unknown"}]}})"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message, "no workflow for dev\n  environment: unknown");
  EXPECT_EQ(e.details.at("http_status"), "400");
  Error conflict =
      GetError(HttpReply(409, R"({"error": {"code": "conflict", "message": "done"}})"));
  EXPECT_EQ(conflict.code, ErrorCode::kConflict);
}

TEST(ApiClient, HostileServerTextIsMaskedAndBounded) {
  // A server echoing the Authorization header back must not make the CLI print the token.
  Error e = GetError(
      HttpReply(403, std::string(R"({"error": {"code": "permission_denied", "message": "token )") +
                         kToken + " not allowed\"}}"));
  EXPECT_NE(e.message.find("token **** not allowed"), std::string::npos) << e.message;
  Error html = GetError(
      HttpReply(502, "<html>" + std::string(kToken) + std::string(100000, 'x'), "text/html"));
  EXPECT_NE(html.message.find("answered HTTP 502 Bad Gateway"), std::string::npos);
  EXPECT_LT(html.message.size(), 400u);
}

TEST(ApiClient, NonJsonSuccessIsAClearError) {
  Error e = GetError(HttpReply(200, "<html>hello</html>", "text/html"));
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_NE(e.message.find("sent text/html instead of JSON"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("is FERRY_SERVER the Ferry API?"), std::string::npos);
}

TEST(ApiClient, MalformedJsonIsAClearError) {
  for (const char* body : {"{\"items\": [", "nul", "[1,2]", "\"str\"", "{\"a\":\xff}"}) {
    Error e = GetError(HttpReply(200, body));
    EXPECT_NE(e.message.find("the Ferry server at http://127.0.0.1:"), std::string::npos) << body;
  }
  std::string deep(10000, '[');
  Error e = GetError(HttpReply(200, deep));
  EXPECT_NE(e.message.find("malformed JSON"), std::string::npos) << e.message;
}

TEST(ApiClient, OversizedResponsesAreCutOff) {
  HttpClientOptions http;
  http.max_response_bytes = 64 * 1024;
  Error e = GetError(HttpReply(200, "{\"x\": \"" + std::string(1024 * 1024, 'a') + "\"}"), http);
  EXPECT_EQ(e.code, ErrorCode::kPayloadTooLarge);
  EXPECT_NE(e.message.find("oversized reply"), std::string::npos) << e.message;
}

TEST(ApiClient, TruncatedResponsesAreReported) {
  Error cut =
      GetError(RawReply{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: 100\r\n\r\n{\"items\": [",
                        false});
  EXPECT_EQ(cut.code, ErrorCode::kUnavailable);
  EXPECT_NE(cut.message.find("cut short"), std::string::npos) << cut.message;
  EXPECT_EQ(cut.details.at("reason"), "truncated");

  Error nothing = GetError(RawReply{"", false});
  EXPECT_NE(nothing.message.find("closed the connection without replying"), std::string::npos)
      << nothing.message;

  Error garbage = GetError(RawReply{"SSH-2.0-OpenSSH_9.2\r\n\r\n", false});
  EXPECT_NE(garbage.message.find("broken reply"), std::string::npos) << garbage.message;

  Error chunked =
      GetError(RawReply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "zz\r\n{}\r\n",
                        false});
  EXPECT_NE(chunked.message.find("broken reply"), std::string::npos) << chunked.message;
}

TEST(ApiClient, SlowServersTimeOut) {
  HttpClientOptions http;
  http.timeout = std::chrono::milliseconds(300);
  Error silent = GetError(RawReply{"", true}, http);
  EXPECT_EQ(silent.code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(silent.message.find("timed out"), std::string::npos) << silent.message;
  Error stalled = GetError(RawReply{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{", true}, http);
  EXPECT_EQ(stalled.code, ErrorCode::kDeadlineExceeded);
}

TEST(ApiClient, VerboseTraceNeverShowsTheToken) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(200, "{}"); });
  std::ostringstream trace;
  ASSERT_TRUE(Client(server.url(), &trace)->Get("/api/v1/executions").ok());
  EXPECT_NE(trace.str().find("> GET " + server.url() + "/api/v1/executions"), std::string::npos);
  EXPECT_NE(trace.str().find("< 200 application/json 2 bytes"), std::string::npos);
  EXPECT_EQ(trace.str().find(kToken), std::string::npos);
}

TEST(ApiClient, RejectsBadServerUrlsAndTokens) {
  for (const char* url :
       {"", "127.0.0.1:8080", "ftp://x", "http://", "http://a b", "http://user:pw@host"}) {
    ApiClientOptions options;
    options.server_url = url;
    auto client = ApiClient::Create(options);
    ASSERT_FALSE(client.ok()) << url;
    EXPECT_NE(client.error().message.find("FERRY_SERVER"), std::string::npos);
  }
  ApiClientOptions options;
  options.token = "fry_abc\r\nX-Evil: 1";
  auto client = ApiClient::Create(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message.find("Evil"), std::string::npos);
}

}  // namespace
}  // namespace ferry::cli
