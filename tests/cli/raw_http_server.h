// RawHttpServer: a TCP server on 127.0.0.1 port 0 that answers each connection's request with
// exactly the bytes a test scripts, then closes the connection (or holds it open, silent, until
// the client leaves or the server stops). It stands in for a broken or hostile server (malformed,
// oversized, truncated, slow replies), which a well-behaved HTTP library cannot be made to send,
// so the CLI's client can be tested against them. Test-only; requests are recorded for checks.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::cli::test {

struct RawRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct RawReply {
  std::string bytes;  // written as is
  bool hold = false;  // then keep the connection open without writing (a stalled server)
};

// "HTTP/1.1 STATUS\r\nContent-Type: TYPE\r\nContent-Length: N\r\n\r\nBODY".
inline RawReply HttpReply(int status, const std::string& body,
                          const std::string& type = "application/json") {
  return {"HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
              "\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\nConnection: close\r\n\r\n" + body,
          false};
}

class RawHttpServer {
 public:
  using Handler = std::function<RawReply(const RawRequest&)>;

  explicit RawHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::pipe(wake_) != 0) {
      std::abort();
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~RawHttpServer() {
    stopping_ = true;
    char c = 'x';
    (void)!::write(wake_[1], &c, 1);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<RawRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  // Waits until fd is readable or the server stops; false when stopping.
  bool WaitReadable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    while (::poll(fds, 2, -1) < 0) {
    }
    return !(fds[1].revents & POLLIN) && !stopping_;
  }

  void AcceptLoop() {
    while (WaitReadable(listen_fd_)) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string data;
    RawRequest request;
    char buf[4096];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      if (!WaitReadable(fd)) return Close(fd);
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) return Close(fd);
      data.append(buf, static_cast<size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    size_t line_end = data.find("\r\n");
    std::string first = data.substr(0, line_end);
    request.method = first.substr(0, first.find(' '));
    request.target = first.substr(first.find(' ') + 1);
    request.target = request.target.substr(0, request.target.rfind(' '));
    size_t pos = line_end + 2;
    while (pos < header_end) {
      size_t end = data.find("\r\n", pos);
      std::string line = data.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        request.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = end + 2;
    }
    size_t length =
        request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
    request.body = data.substr(header_end + 4);
    while (request.body.size() < length) {
      if (!WaitReadable(fd)) return Close(fd);
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) return Close(fd);
      request.body.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    RawReply reply = handler_(request);
    size_t written = 0;
    while (written < reply.bytes.size()) {
      ssize_t n =
          ::send(fd, reply.bytes.data() + written, reply.bytes.size() - written, MSG_NOSIGNAL);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    if (reply.hold) {
      // Silent until the client gives up (read returns 0) or the server stops.
      while (WaitReadable(fd) && ::read(fd, buf, sizeof(buf)) > 0) {
      }
    }
    Close(fd);
  }

  static void Close(int fd) {
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::vector<std::thread> threads_;  // Guarded by mu_.
  std::vector<RawRequest> requests_;  // Guarded by mu_.
};

}  // namespace ferry::cli::test
