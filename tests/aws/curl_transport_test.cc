// CurlTransport against real local HTTP servers (cpp-httplib on 127.0.0.1, port 0): methods and
// bodies, keep-alive reuse (observed by the server as client ports), timeouts, connection
// failures, size limits, proxy/NO_PROXY from the environment, and that errors never echo
// queries, headers or bodies.
#include "aws/curl_transport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "aws/local_http_server.h"
#include "support/temp_dir.h"

namespace ferry::aws {
namespace {

using test_support::LocalHttpServer;

std::unique_ptr<CurlTransport> MakeTransport(CurlTransportOptions options = {}) {
  auto t = CurlTransport::Create(std::move(options));
  EXPECT_TRUE(t.ok());
  return std::move(t).value();
}

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<LocalHttpServer>([this](httplib::Server& s) {
      s.Get("/echo",
            [this](const httplib::Request& req, httplib::Response& res) { Echo(req, res); });
      s.Post("/echo",
             [this](const httplib::Request& req, httplib::Response& res) { Echo(req, res); });
      s.Put("/echo",
            [this](const httplib::Request& req, httplib::Response& res) { Echo(req, res); });
      s.Delete("/echo",
               [this](const httplib::Request& req, httplib::Response& res) { Echo(req, res); });
      s.Get("/missing", [](const httplib::Request&, httplib::Response& res) {
        res.status = 404;
        res.set_content("<Error/>", "application/xml");
      });
      s.Get("/big", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(std::string(1 << 20, 'x'), "application/octet-stream");
      });
      s.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
        std::unique_lock lock(mu_);
        slow_waiting_++;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
        res.set_content("late", "text/plain");
      });
    });
    ASSERT_GT(server_->port(), 0);
  }
  void TearDown() override {
    Release();
    server_.reset();
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  void Echo(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mu_);
      client_ports_.insert(req.remote_port);
    }
    std::string out = req.method + "|" + req.body + "|";
    for (const auto& [name, value] : req.headers) out += name + "=" + value + ";";
    res.set_header("X-Echo-Method", req.method);
    res.set_content(out, "text/plain");
  }

  size_t DistinctClientPorts() {
    std::lock_guard lock(mu_);
    return client_ports_.size();
  }

  std::unique_ptr<LocalHttpServer> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;       // guarded by mu_
  int slow_waiting_ = 0;        // guarded by mu_
  std::set<int> client_ports_;  // guarded by mu_
};

TEST_F(CurlTransportTest, MethodsBodiesAndHeaders) {
  auto t = MakeTransport();
  for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
    HttpRequest r;
    r.method = method;
    r.url = server_->url() + "/echo?x=1";
    r.headers = {{"X-Custom", "v1"}, {"Content-Type", "application/json"}};
    if (std::string(method) != "GET") r.body = "{\"a\":1}";
    auto res = t->Send(r);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->Header("x-echo-method"), method);
    EXPECT_TRUE(res->body.starts_with(std::string(method) + "|" + r.body + "|")) << res->body;
    EXPECT_NE(res->body.find("X-Custom=v1"), std::string::npos);
    EXPECT_EQ(res->body.find("Expect="), std::string::npos);
  }
}

TEST_F(CurlTransportTest, NoInventedContentTypeAndEmptyPost) {
  auto t = MakeTransport();
  HttpRequest r;
  r.method = "POST";
  r.url = server_->url() + "/echo";
  auto res = t->Send(r);
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE(res->body.starts_with("POST||"));
  EXPECT_EQ(res->body.find("Content-Type="), std::string::npos) << res->body;
}

TEST_F(CurlTransportTest, HttpErrorsAreResponses) {
  auto t = MakeTransport();
  HttpRequest r;
  r.url = server_->url() + "/missing";
  auto res = t->Send(r);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "<Error/>");
  EXPECT_EQ(res->Header("content-type"), "application/xml");
}

TEST_F(CurlTransportTest, KeepAliveReusesOneConnection) {
  auto t = MakeTransport();
  for (int i = 0; i < 10; ++i) {
    HttpRequest r;
    r.url = server_->url() + "/echo";
    ASSERT_TRUE(t->Send(r).ok());
  }
  EXPECT_EQ(DistinctClientPorts(), 1u);
  EXPECT_EQ(t->Stats().requests, 10u);
  EXPECT_EQ(t->Stats().new_connections, 1u);
}

TEST_F(CurlTransportTest, ConcurrentSendsArePooled) {
  auto t = MakeTransport();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 25; ++j) {
        HttpRequest r;
        r.method = "POST";
        r.url = server_->url() + "/echo";
        r.body = std::to_string(j);
        auto res = t->Send(r);
        if (!res.ok() || !res->body.starts_with("POST|" + r.body + "|")) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(t->Stats().requests, 100u);
  EXPECT_LE(DistinctClientPorts(), 4u);  // at most one connection per concurrent caller
}

TEST_F(CurlTransportTest, TimeoutIsDeadlineExceededWithoutQuery) {
  auto t = MakeTransport();
  HttpRequest r;
  r.url = server_->url() + "/slow?X-Amz-Signature=deadbeefcafe";
  r.headers = {{"Authorization", "AWS4-HMAC-SHA256 secretstuff"}};
  r.timeout = std::chrono::milliseconds(300);
  auto res = t->Send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(res.error().message.find("deadbeefcafe"), std::string::npos) << res.error().message;
  EXPECT_EQ(res.error().message.find("secretstuff"), std::string::npos);
  EXPECT_NE(res.error().message.find("/slow"), std::string::npos) << res.error().message;
  std::lock_guard lock(mu_);
  EXPECT_EQ(slow_waiting_, 1);  // it reached the server and the server was still working
}

TEST_F(CurlTransportTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    LocalHttpServer closed([](httplib::Server&) {});
    port = closed.port();
  }
  auto t = MakeTransport();
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/x?X-Amz-Credential=AKIDSECRETISH";
  r.body = "body-secret";
  r.method = "POST";
  auto res = t->Send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(res.error().message.find("AKIDSECRETISH"), std::string::npos) << res.error().message;
  EXPECT_EQ(res.error().message.find("body-secret"), std::string::npos);
}

TEST_F(CurlTransportTest, OversizedResponseIsRejected) {
  CurlTransportOptions options;
  options.max_response_bytes = 1000;
  auto t = MakeTransport(options);
  HttpRequest r;
  r.url = server_->url() + "/big";
  auto res = t->Send(r);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::kPayloadTooLarge);
  // The handle is still usable afterwards.
  r.url = server_->url() + "/echo";
  EXPECT_TRUE(t->Send(r).ok());
}

TEST_F(CurlTransportTest, HostileInputsAreRejected) {
  auto t = MakeTransport();
  HttpRequest r;
  r.url = server_->url() + "/echo";
  r.headers = {{"X-Injected", "a\r\nEvil: 1"}};
  EXPECT_EQ(t->Send(r).error().code, ErrorCode::kInvalidArgument);
  r.headers = {{"Bad\nName", "v"}};
  EXPECT_EQ(t->Send(r).error().code, ErrorCode::kInvalidArgument);
  r.headers = {};
  r.method = "GET /x HTTP/1.1\r\n";
  EXPECT_EQ(t->Send(r).error().code, ErrorCode::kInvalidArgument);
  for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/", "not a url", ""}) {
    HttpRequest bad;
    bad.url = url;
    auto res = t->Send(bad);
    ASSERT_FALSE(res.ok()) << url;
    EXPECT_EQ(res.error().code, ErrorCode::kInvalidArgument) << url;
  }
}

TEST(CurlTransportCreateTest, UnreadableCaBundleIsRejected) {
  CurlTransportOptions options;
  options.ca_bundle = "/nonexistent/ca.pem";
  auto t = CurlTransport::Create(options);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CurlTransportTest, ProxyFromEnvironmentAndNoProxy) {
  LocalHttpServer proxy([](httplib::Server& s) {
    s.Get(".*", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("via-proxy", "text/plain");
    });
  });
  ASSERT_GT(proxy.port(), 0);
  auto t = MakeTransport();
  HttpRequest r;
  r.url = server_->url() + "/echo";
  {
    ScopedEnv http_proxy("http_proxy", proxy.url().c_str());
    ScopedEnv no_proxy_lower("no_proxy", nullptr);
    ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
    auto res = t->Send(r);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
    EXPECT_EQ(res->body, "via-proxy");
  }
  {
    ScopedEnv http_proxy("http_proxy", proxy.url().c_str());
    ScopedEnv no_proxy_lower("no_proxy", nullptr);
    ScopedEnv no_proxy_upper("NO_PROXY", "localhost,127.0.0.1");
    auto res = t->Send(r);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
    EXPECT_TRUE(res->body.starts_with("GET||")) << res->body;
  }
}

}  // namespace
}  // namespace ferry::aws

namespace ferry::aws {
namespace {

// TLS: a self-signed certificate made with the openssl CLI for 127.0.0.1. Verification is on, so
// the system store rejects it; the CA-bundle option makes it trusted.
TEST(CurlTransportTlsTest, VerifiesPeersAndHonoursCaBundle) {
  test::TempDir temp;
  const std::string dir = temp.path().string();
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir + "/key.pem -out " +
                    dir +
                    "/cert.pem -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
                    ">/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl is needed for this test";
  test_support::LocalHttpServer server(
      [](httplib::Server& s) {
        s.Get("/tls", [](const httplib::Request&, httplib::Response& res) {
          res.set_content("secure", "text/plain");
        });
      },
      dir + "/cert.pem", dir + "/key.pem");
  ASSERT_GT(server.port(), 0);
  HttpRequest r;
  r.url = server.url() + "/tls";

  ScopedEnv no_bundle("AWS_CA_BUNDLE", nullptr);
  auto untrusted = MakeTransport()->Send(r);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().code, ErrorCode::kUnavailable);

  CurlTransportOptions options;
  options.ca_bundle = dir + "/cert.pem";
  auto trusted = MakeTransport(options)->Send(r);
  ASSERT_TRUE(trusted.ok()) << trusted.error().ToString();
  EXPECT_EQ(trusted->body, "secure");
  {
    ScopedEnv bundle("AWS_CA_BUNDLE", options.ca_bundle.c_str());
    auto via_env = MakeTransport()->Send(r);
    ASSERT_TRUE(via_env.ok()) << via_env.error().ToString();
  }

  // The right CA but the wrong name: still rejected.
  HttpRequest by_name = r;
  by_name.url = "https://localhost:" + std::to_string(server.port()) + "/tls";
  auto wrong_name = MakeTransport(options)->Send(by_name);
  ASSERT_FALSE(wrong_name.ok());
  EXPECT_EQ(wrong_name.error().code, ErrorCode::kUnavailable);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ferry::aws
