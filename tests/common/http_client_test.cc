// http::Client against scripted local servers (tests/cli/raw_http_server.h: exact bytes, so also
// broken and hostile replies): methods, headers and bodies on the wire, bounded and streamed
// bodies, and each failure's code and reason, never echoing the query or a header.
#include "common/http_client.h"

#include <gtest/gtest.h>

#include <string>

#include "cli/raw_http_server.h"

namespace ferry::http {
namespace {

using cli::test::HttpReply;
using cli::test::RawHttpServer;
using cli::test::RawReply;
using cli::test::RawRequest;

std::unique_ptr<Client> MakeClient() {
  auto client = Client::Create();
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

std::string Reason(const Error& error) {
  auto it = error.details.find("reason");
  return it == error.details.end() ? "" : it->second;
}

TEST(HttpClientTest, SendsTheRequestAsGiven) {
  RawHttpServer server([](const RawRequest&) {
    return RawReply{
        "HTTP/1.1 201 Created\r\nX-Multi: a\r\nx-multi: b\r\nETag:  \"v1\" \r\n"
        "Content-Length: 2\r\nConnection: close\r\n\r\nok",
        false};
  });
  auto client = MakeClient();
  Request request;
  request.method = "PUT";
  request.url = server.url() + "/a%20b/c?x=1&y=%2F";
  request.headers = {{"X-Custom", "v"}, {"X-Empty", ""}};
  const std::string body = "payload";
  request.body = body;
  auto response = client->Send(request);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(response->Header("etag"), "\"v1\"");
  EXPECT_EQ(response->headers.count("x-multi"), 2u);
  EXPECT_EQ(response->Header("missing"), "");
  ASSERT_EQ(server.requests().size(), 1u);
  const RawRequest seen = server.requests()[0];
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.target, "/a%20b/c?x=1&y=%2F");
  EXPECT_EQ(seen.body, "payload");
  EXPECT_EQ(seen.headers.at("x-custom"), "v");
  EXPECT_EQ(seen.headers.count("x-empty"), 1u);
  EXPECT_EQ(seen.headers.count("expect"), 0u);        // no 100-continue round trip
  EXPECT_EQ(seen.headers.count("content-type"), 0u);  // none invented
  EXPECT_EQ(seen.headers.at("user-agent"), "ferry");
}

TEST(HttpClientTest, EmptyPostAndHead) {
  RawHttpServer server([](const RawRequest& r) {
    if (r.method == "HEAD") {
      return RawReply{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", false};
    }
    return HttpReply(200, r.method + "|" + r.body, "text/plain");
  });
  auto client = MakeClient();
  Request post;
  post.method = "POST";
  post.url = server.url() + "/";
  auto posted = client->Send(post);
  ASSERT_TRUE(posted.ok()) << posted.error().ToString();
  EXPECT_EQ(posted->body, "POST|");
  EXPECT_EQ(server.requests().back().headers.at("content-length"), "0");
  Request head;
  head.method = "HEAD";
  head.url = server.url() + "/";
  auto headed = client->Send(head);
  ASSERT_TRUE(headed.ok()) << headed.error().ToString();
  EXPECT_EQ(headed->Header("content-length"), "5");
  EXPECT_EQ(headed->body, "");
}

TEST(HttpClientTest, ErrorStatusesAreResponses) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(503, "{\"e\":1}"); });
  auto response = MakeClient()->Send({.url = server.url() + "/x"});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "{\"e\":1}");
}

TEST(HttpClientTest, BadRequestsAreRefusedBeforeSending) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(200, "{}"); });
  auto client = MakeClient();
  for (const char* url : {"", "not a url", "file:///etc/passwd", "ftp://127.0.0.1/"}) {
    auto response = client->Send({.url = url});
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ(response.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(Reason(response.error()), "url");
  }
  Request injected{.url = server.url() + "/"};
  injected.headers = {{"X-A", "v\r\nEvil: 1"}};
  EXPECT_EQ(Reason(client->Send(injected).error()), "request");
  injected.headers = {{"Bad:Name", "v"}};
  EXPECT_EQ(Reason(client->Send(injected).error()), "request");
  Request method{.method = "GET / HTTP/1.1\r\n", .url = server.url() + "/"};
  EXPECT_EQ(client->Send(method).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST(HttpClientTest, ABodyPastTheBoundIsRefused) {
  RawHttpServer server([](const RawRequest&) { return HttpReply(200, std::string(100'000, 'x')); });
  auto client = MakeClient();
  Request request{.url = server.url() + "/big"};
  request.max_response_bytes = 1000;
  auto response = client->Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(Reason(response.error()), "too_large");
  request.max_response_bytes = 100'000;
  EXPECT_TRUE(client->Send(request).ok());  // the pooled handle still works
}

TEST(HttpClientTest, BrokenRepliesAreUnavailableWithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", "truncated"},
      {"", "truncated"},
      {"garbage that is not http\r\n\r\n", "malformed"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed"},
  };
  for (const auto& [bytes, reason] : cases) {
    RawHttpServer server([&](const RawRequest&) { return RawReply{bytes, false}; });
    auto response = MakeClient()->Send({.url = server.url() + "/?X-Amz-Signature=secret"});
    ASSERT_FALSE(response.ok()) << bytes;
    EXPECT_EQ(response.error().code, ErrorCode::kUnavailable) << bytes;
    EXPECT_TRUE(Reason(response.error()) == reason || Reason(response.error()) == "truncated")
        << bytes << ": " << response.error().ToString();
    EXPECT_EQ(response.error().ToString().find("secret"), std::string::npos);
    for (const auto& [key, value] : response.error().details) {
      EXPECT_EQ(value.find("secret"), std::string::npos) << key;
    }
  }
}

TEST(HttpClientTest, ConnectionRefusedAndTimeouts) {
  int port;
  {
    RawHttpServer closed([](const RawRequest&) { return HttpReply(200, ""); });
    port = std::stoi(closed.url().substr(closed.url().rfind(':') + 1));
  }
  auto client = MakeClient();
  auto refused = client->Send({.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(Reason(refused.error()), "connect");
  EXPECT_EQ(refused.error().details.at("url"), "http://127.0.0.1:" + std::to_string(port) + "/");

  RawHttpServer silent([](const RawRequest&) { return RawReply{"", true}; });
  Request slow{.url = silent.url() + "/"};
  slow.timeout = std::chrono::milliseconds(300);
  auto timed_out = client->Send(slow);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(Reason(timed_out.error()), "timeout");

  // A stream without a total timeout still ends when the server goes silent.
  Request idle{.url = silent.url() + "/"};
  idle.timeout = std::chrono::milliseconds(0);
  idle.idle_timeout = std::chrono::milliseconds(1000);
  auto stalled = client->Stream(
      idle, [](const Response&) { return true; }, [](std::string_view) { return true; });
  ASSERT_FALSE(stalled.ok());
  EXPECT_EQ(stalled.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(HttpClientTest, StreamsA2xxBodyAndBuffersOthers) {
  RawHttpServer server([](const RawRequest& r) {
    if (r.target == "/fail") return HttpReply(404, "{\"error\":1}");
    return RawReply{
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        "data: 1\n\ndata: 2\n\n",
        false};
  });
  auto client = MakeClient();
  int starts = 0;
  std::string streamed;
  auto ok = client->Stream(
      {.url = server.url() + "/ok"},
      [&](const Response& head) {
        ++starts;
        EXPECT_EQ(head.status, 200);
        EXPECT_EQ(head.Header("content-type"), "text/event-stream");
        EXPECT_TRUE(head.body.empty());
        return true;
      },
      [&](std::string_view data) {
        streamed.append(data);
        return true;
      });
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(streamed, "data: 1\n\ndata: 2\n\n");
  EXPECT_TRUE(ok->body.empty());

  int calls = 0;
  auto failed = client->Stream(
      {.url = server.url() + "/fail"}, [&](const Response&) { return ++calls, true; },
      [&](std::string_view) { return ++calls, true; });
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, 404);
  EXPECT_EQ(failed->body, "{\"error\":1}");

  auto cancelled = client->Stream(
      {.url = server.url() + "/ok"}, [](const Response&) { return true; },
      [](std::string_view) { return false; });
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(Reason(cancelled.error()), "cancelled");
}

}  // namespace
}  // namespace ferry::http
