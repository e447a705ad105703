// The unauthenticated and token-holder denial-of-service findings of issue 18 (item 5), replayed
// against a real ApiServer over real TCP connections from raw sockets, scaled down: chunked and
// compressed bodies, invented methods, slow and oversized headers, connection floods from one
// address, log streams from one token, token guessing; and the security headers.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "api_fixture.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A TCP connection to the server from `source` (any 127.x.y.z is local on Linux, so tests can
// play several client addresses).
class RawConnection {
 public:
  RawConnection(int port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    EXPECT_TRUE(connected_);
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False once the server stopped taking bytes (it closed or reset the connection).
  bool Send(std::string_view data) {
    while (!data.empty()) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 20000) <= 0) return false;
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Everything the server sends until it closes the connection, or until `until` appears
  // (a test failure guard of 30 s ends a server that does neither).
  std::string Receive(const std::string& until = "") {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!until.empty() && received_.find(until) != std::string::npos) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return received_;
      received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }
  bool connected() const { return connected_; }
  // Whether the server sent something (or closed) that was not received yet.
  bool Readable() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t total = 0, resident = 0;
  statm >> total >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

std::string BodyOf(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

TEST_F(ApiServerTest, ChunkedBodyOverTheLimitIsRefusedWhileItArrives) {
  ApiServerOptions options;
  options.max_body_bytes = 1u << 20;
  StartServer(options);
  const int64_t rss_before = ResidentBytes();
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 64 MiB in 1 MiB chunks: the server must stop reading long before the end.
  const std::string chunk = "100000\r\n" + std::string(1u << 20, 'a') + "\r\n";
  size_t sent = 0;
  for (int i = 0; i < 64 && c.Send(chunk); ++i) sent += chunk.size();
  EXPECT_LT(sent, 64u * chunk.size()) << "the whole body was accepted";
  std::string response = c.Receive();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(BodyOf(response), HasSubstr("\"payload_too_large\""));
  EXPECT_LT(ResidentBytes() - rss_before, int64_t{24} << 20) << "the body was buffered";
  EXPECT_EQ(GetAnonymous("/healthz").status, 200);
}

TEST_F(ApiServerTest, ChunkedBodyUnderTheLimitIsServed) {
  auto result = client_->Post(
      "/api/v1/apply", {{"Authorization", "Bearer " + token_}},
      [](size_t offset, httplib::DataSink& sink) {
        if (offset == 0) sink.write("{\"documents\":", 13);
        sink.done();
        return true;
      },
      "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400) << result->body;  // read whole, then judged as JSON
  EXPECT_THAT(result->body, Not(HasSubstr("payload_too_large")));
}

TEST_F(ApiServerTest, CompressedBodiesAndUnknownTransferCodingsAreRefusedUnread) {
  RawConnection gzip(server_->port());
  ASSERT_TRUE(gzip.Send(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n"));
  std::string response = gzip.Receive();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 415"));
  EXPECT_THAT(response, HasSubstr("Connection: close"));
  RawConnection other(server_->port());
  ASSERT_TRUE(other.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"));
  EXPECT_THAT(other.Receive(), StartsWith("HTTP/1.1 501"));
  RawConnection length(server_->port());
  ASSERT_TRUE(
      length.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1610612736\r\n\r\n"));
  EXPECT_THAT(length.Receive(), StartsWith("HTTP/1.1 413"));  // answered without the body
}

TEST_F(ApiServerTest, InventedMethodsShareOneMetricsLabel) {
  for (int i = 0; i < 300; ++i) {
    RawConnection c(server_->port());
    ASSERT_TRUE(c.Send("INVENTED" + std::to_string(i) + " /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_THAT(c.Receive(), StartsWith("HTTP/1.1 400"));
  }
  std::string metrics = GetAnonymous("/metrics").body;
  EXPECT_THAT(metrics, Not(HasSubstr("INVENTED")));
  EXPECT_THAT(metrics, HasSubstr("method=\"other\",route=\"other\",status=\"400\"} 300"));
  EXPECT_LT(metrics.size(), 20000u);
}

TEST_F(ApiServerTest, SlowHeaderConnectionsDoNotStarveHealthz) {
  ApiServerOptions options;
  options.threads = 32;
  options.header_timeout = std::chrono::hours(1);  // only capacity can save /healthz here
  StartServer(options);
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
  }
  EXPECT_EQ(GetAnonymous("/healthz").status, 200);
}

TEST_F(ApiServerTest, SlowHeadersAreCutOffAtTheDeadline) {
  ApiServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  // One byte every 20 ms keeps every single read within its timeout; the deadline of the
  // whole head ends it anyway.
  for (int i = 0; i < 1500 && !c.Readable() && c.Send("a"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string response = c.Receive();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(BodyOf(response), HasSubstr("did not arrive within 1 s"));
}

TEST_F(ApiServerTest, OversizedRequestLineAndHeadersAre431) {
  RawConnection line(server_->port());
  line.Send("GET /" + std::string(200 * 1024, 'a'));  // the server may close before the end
  EXPECT_THAT(line.Receive(), StartsWith("HTTP/1.1 431"));
  RawConnection headers(server_->port());
  std::string many = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 2000; ++i)
    many += "X-H" + std::to_string(i) + ": " + std::string(64, 'v') + "\r\n";
  headers.Send(many + "\r\n");
  EXPECT_THAT(headers.Receive(), StartsWith("HTTP/1.1 431"));
}

TEST_F(ApiServerTest, ConnectionsPerAddressAreCapped) {
  ApiServerOptions options;
  options.threads = 16;
  options.max_connections_per_address = 4;
  options.header_timeout = std::chrono::hours(1);
  StartServer(options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port(), "127.0.0.1"));
    ASSERT_TRUE(held.back()->Send("GET /healthz HTTP/1.1\r\nX-Slow: a"));
  }
  // Wait until the server holds all four (each gets a worker once it sent a byte).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string refused;
  while (std::chrono::steady_clock::now() < deadline) {
    RawConnection fifth(server_->port(), "127.0.0.1");
    fifth.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    refused = fifth.Receive();
    if (refused.starts_with("HTTP/1.1 429")) break;
  }
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 429"));
  EXPECT_THAT(refused, HasSubstr("Retry-After: 1"));
  EXPECT_THAT(BodyOf(refused), HasSubstr("too many connections from this address"));
  RawConnection elsewhere(server_->port(), "127.0.0.2");
  ASSERT_TRUE(elsewhere.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(elsewhere.Receive(), StartsWith("HTTP/1.1 200"));
}

TEST_F(ApiServerTest, LogStreamsAreCappedPerToken) {
  ApiServerOptions options;
  options.threads = 32;
  options.max_streams_per_token = 2;
  options.stream_poll = std::chrono::milliseconds(10);
  options.stream_keepalive = std::chrono::milliseconds(20);
  StartServer(options);
  auto e = CreateExecution();
  const std::string request = "GET /api/v1/executions/" + e.id +
                              "/logs?follow=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                              token_ + "\r\n\r\n";
  std::vector<std::unique_ptr<RawConnection>> streams;
  for (int i = 0; i < 2; ++i) {
    streams.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(streams.back()->Send(request));
    EXPECT_THAT(streams.back()->Receive("retry: 1000"), StartsWith("HTTP/1.1 200"));
  }
  RawConnection third(server_->port());
  ASSERT_TRUE(third.Send(request));
  std::string refused = third.Receive("\"}}");
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 429"));
  EXPECT_THAT(refused, HasSubstr("Retry-After: 5"));
  EXPECT_THAT(refused, HasSubstr("too many log streams"));
  EXPECT_EQ(GetAnonymous("/healthz").status, 200);
  EXPECT_EQ(Get("/api/v1/executions/" + e.id).status, 200);
  // A closed stream gives its slot back once the server notices (its next keep-alive).
  streams.pop_back();
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       std::chrono::steady_clock::now() < until;) {
    RawConnection again(server_->port());
    ASSERT_TRUE(again.Send(request));
    if (again.Receive("\r\n\r\n").starts_with("HTTP/1.1 200")) return;
  }
  ADD_FAILURE() << "the slot of the closed stream never came back";
}

TEST_F(ApiServerTest, FailedTokenAuthenticationsAreThrottledPerAddress) {
  ApiServerOptions options;
  options.auth_failures_allowed = 3;
  options.auth_failure_window = std::chrono::seconds(60);
  StartServer(options);
  auto request = [&](const std::string& source, const std::string& token) {
    RawConnection c(server_->port(), source);
    c.Send(
        "GET /api/v1/executions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
        "Bearer " +
        token + "\r\n\r\n");
    return c.Receive();
  };
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(request("127.0.0.3", "fry_guess" + std::to_string(i)), StartsWith("HTTP/1.1 401"));
  }
  std::string throttled = request("127.0.0.3", "fry_guess4");
  EXPECT_THAT(throttled, StartsWith("HTTP/1.1 429"));
  EXPECT_THAT(throttled, HasSubstr("Retry-After: 60"));
  // Even the right token waits: a guess that hit would otherwise be told so.
  EXPECT_THAT(request("127.0.0.3", token_), StartsWith("HTTP/1.1 429"));
  EXPECT_THAT(request("127.0.0.4", token_), StartsWith("HTTP/1.1 200"));
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_THAT(request("127.0.0.3", token_), StartsWith("HTTP/1.1 200"));
}

TEST_F(ApiServerTest, EveryAnswerCarriesSecurityHeaders) {
  for (const Reply& reply : {GetAnonymous("/healthz"), GetAnonymous("/api/v1/executions"),
                             Get("/api/v1/executions"), GetAnonymous("/nowhere")}) {
    EXPECT_EQ(reply.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(reply.Header("X-Frame-Options"), "DENY");
    EXPECT_EQ(reply.Header("Content-Security-Policy"),
              "default-src 'none'; frame-ancestors 'none'");
    EXPECT_EQ(reply.Header("Cache-Control"), "no-store");
  }
}

// Issue 18: 60 artifacts with 1 MiB of metadata each made one list answer 62 MB. Metadata is
// bounded on registration, and a page is bounded by bytes too (artifacts recorded before the
// limit are written straight to the store here, as an older server would have).
TEST_F(ApiServerTest, ArtifactMetadataIsBoundedAndPagesAreBoundedByBytes) {
  const std::string kSha = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  auto body = [&kSha](int i, size_t metadata_bytes) {
    return DumpJson(Json{{"source", "ci"},
                         {"key", "orders/orders-" + std::to_string(i) + ".zip"},
                         {"version", std::to_string(i)},
                         {"location",
                          {{"s3Bucket", "b"}, {"s3Key", "orders/orders-" + std::to_string(i) + ".zip"}}},
                         {"codeSha256", kSha},
                         {"metadata", {{"notes", std::string(metadata_bytes, 'm')}}}});
  };
  Reply big = Post("/api/v1/artifacts", body(0, 1 << 20));
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_THAT(big.body, HasSubstr("16384"));
  EXPECT_EQ(Get("/api/v1/artifacts").json["items"].size(), 0u) << "nothing recorded";
  Reply small = Post("/api/v1/artifacts", body(1, 1000));
  EXPECT_EQ(small.status, 201) << small.body;

  for (int i = 2; i < 8; ++i) {
    store::NewArtifact a{.source = "ci",
                         .key = "old-" + std::to_string(i),
                         .version = std::to_string(i),
                         .location_json = R"({"s3Bucket":"b","s3Key":"k"})",
                         .code_sha256 = kSha,
                         .metadata_json = DumpJson(Json{{"notes", std::string(400 * 1024, 'x')}})};
    ASSERT_TRUE(store_->artifacts().Record(a, "test").ok());
  }
  size_t seen = 0;
  std::string before;
  for (int pages = 0; pages < 10; ++pages) {
    Reply page = Get("/api/v1/artifacts?limit=200" + (before.empty() ? "" : "&before=" + before));
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 200);
    EXPECT_LT(page.body.size(), size_t{2} << 20) << "a page stays near 1 MiB";
    seen += page.json["items"].size();
    if (page.json["next"].is_null()) break;
    before = page.json["next"].get<std::string>();
  }
  EXPECT_EQ(seen, 7u) << "every artifact is listed, over several pages";
}

}  // namespace
}  // namespace ferry::api::testing
