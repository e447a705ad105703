// LocalHttpServer: a cpp-httplib server on 127.0.0.1, port 0, on its own thread, for tests that
// need a real HTTP(S) peer (stand-ins for AWS endpoints and metadata services).
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace ferry::aws::test_support {

class LocalHttpServer {
 public:
  // Handlers are registered by `setup` before the server starts accepting. With cert and key
  // (PEM files) the server speaks HTTPS.
  explicit LocalHttpServer(const std::function<void(httplib::Server&)>& setup,
                           const std::string& cert_file = "", const std::string& key_file = "")
      : tls_(!cert_file.empty()) {
    if (tls_) {
      server_ = std::make_unique<httplib::SSLServer>(cert_file.c_str(), key_file.c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    // Keep connections open as long as clients want (httplib closes after 5 requests by
    // default, which would hide or fake connection reuse).
    server_->set_keep_alive_max_count(100000);
    server_->set_keep_alive_timeout(1);  // bounds how long stop() waits for idle clients
    setup(*server_);
    port_ = server_->bind_to_any_port("127.0.0.1");
    // The socket listens already; connections queue until the accept loop runs.
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it (bounded) before returning.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~LocalHttpServer() {
    server_->stop();
    thread_.join();
  }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }
  std::string url() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }

 private:
  const bool tls_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace ferry::aws::test_support
