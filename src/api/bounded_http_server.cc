#include "api/bounded_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

namespace ferry::api {
namespace {

using Clock = std::chrono::steady_clock;

// A chunked body carries framing beside its data ("1000\r\n...\r\n"); allow this much on top
// of the body limit before the raw bytes count as over it.
constexpr size_t kChunkFramingAllowance = 64u * 1024u;

// poll() on one descriptor for `events`, retrying on EINTR: >0 ready, 0 timed out, <0 error.
int PollOne(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  while (true) {
    int rc = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, timeout.count())));
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

std::string FormatAddress(const sockaddr_storage& addr, int* port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    if (port) *port = ntohs(v4.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    if (port) *port = ntohs(v6.sin6_port);
  }
  return text;
}

std::string PeerAddress(int fd, int* port = nullptr) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  return FormatAddress(addr, port);
}

std::string LocalAddress(int fd, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  return FormatAddress(addr, port);
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string_view TrimView(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

int ConnectionFaultStatus(ConnectionFault fault) {
  switch (fault) {
    case ConnectionFault::kHeadTooLarge:
      return 431;
    case ConnectionFault::kHeadTimeout:
    case ConnectionFault::kBodyTimeout:
      return 408;
    case ConnectionFault::kBodyTooLarge:
      return 413;
    case ConnectionFault::kContentEncoding:
      return 415;
    case ConnectionFault::kTransferEncoding:
      return 501;
    case ConnectionFault::kNone:
      break;
  }
  return 400;
}

namespace {

const char* StatusText(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
  }
  return "Bad Request";
}

// The socket of one connection, read through a buffer, with the limits of the request being
// read: the head (request line and headers) until BeginBody, then the body.
class BoundedStream final : public httplib::Stream {
 public:
  BoundedStream(socket_t sock, const ConnectionLimits& limits) : sock_(sock), limits_(limits) {}

  // A new request's first byte is here (or about to be): the head phase starts now.
  void BeginRequest() {
    phase_ = Phase::kHead;
    deadline_ = Clock::now() + limits_.header_timeout;
    counted_ = 0;
    fault_ = ConnectionFault::kNone;
    close_after_ = false;
  }
  void BeginBody() {
    phase_ = Phase::kBody;
    deadline_ = Clock::now() + limits_.body_timeout;
    counted_ = 0;
  }
  void Fail(ConnectionFault fault) {
    fault_ = fault;
    close_after_ = true;
  }
  void CloseAfter() { close_after_ = true; }
  // True once httplib parsed a whole head and routed the request.
  bool routed() const { return phase_ == Phase::kBody; }
  ConnectionFault fault() const { return fault_; }
  bool close_after() const { return close_after_; }

  // Waits up to `idle` for the next request, giving up early once `running` turns false.
  template <typename Running>
  bool WaitForRequest(std::chrono::seconds idle, Running running) {
    if (begin_ < end_) return true;
    const auto deadline = Clock::now() + idle;
    while (running()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      int rc = PollOne(sock_, POLLIN, std::min(left, std::chrono::milliseconds(100)));
      if (rc < 0) return false;
      if (rc > 0) return true;
    }
    return false;
  }

  bool is_readable() const override {
    return begin_ < end_ || PollOne(sock_, POLLIN, limits_.io_timeout) > 0;
  }

  bool is_writable() const override {
    if (PollOne(sock_, POLLOUT, limits_.io_timeout) <= 0) return false;
    // Writable but closed by the peer: a zero-byte peek means the client went away.
    if (PollOne(sock_, POLLIN, std::chrono::milliseconds(0)) > 0 && begin_ == end_) {
      char byte;
      ssize_t n = ::recv(sock_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0) return false;
    }
    return true;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (fault_ != ConnectionFault::kNone) return -1;
    if (begin_ == end_ && !Fill()) return -1;
    size_t n = std::min(size, end_ - begin_);
    const size_t limit = phase_ == Phase::kHead ? limits_.max_head_bytes
                                                : limits_.max_body_bytes + kChunkFramingAllowance;
    if (counted_ + n > limit) {
      Fail(phase_ == Phase::kHead ? ConnectionFault::kHeadTooLarge
                                  : ConnectionFault::kBodyTooLarge);
      return -1;
    }
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    counted_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (PollOne(sock_, POLLOUT, limits_.io_timeout) <= 0) return -1;
    while (true) {
      ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = PeerAddress(sock_, &port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = LocalAddress(sock_, &port);
  }
  socket_t socket() const override { return sock_; }

 private:
  enum class Phase { kHead, kBody };

  // Reads what the socket has, waiting no longer than the phase's deadline allows.
  bool Fill() {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now());
    const ConnectionFault late =
        phase_ == Phase::kHead ? ConnectionFault::kHeadTimeout : ConnectionFault::kBodyTimeout;
    if (left.count() <= 0) {
      Fail(late);
      return false;
    }
    int rc = PollOne(sock_, POLLIN, std::min(left, limits_.io_timeout));
    if (rc == 0) {
      if (left <= limits_.io_timeout) Fail(late);  // the wait ran into the deadline
      return false;
    }
    if (rc < 0) return false;
    ssize_t n;
    do {
      n = ::recv(sock_, buffer_, sizeof buffer_, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    begin_ = 0;
    end_ = static_cast<size_t>(n);
    return true;
  }

  const socket_t sock_;
  const ConnectionLimits& limits_;
  Phase phase_ = Phase::kHead;
  Clock::time_point deadline_{};
  size_t counted_ = 0;  // bytes of the current phase handed to httplib
  ConnectionFault fault_ = ConnectionFault::kNone;
  bool close_after_ = false;
  char buffer_[16 * 1024];
  size_t begin_ = 0;
  size_t end_ = 0;
};

// The connection the calling thread is serving, for httplib's handlers (which see only the
// Request): set for the duration of process_and_close_socket.
thread_local BoundedStream* t_current = nullptr;

bool ExpectsBody(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE" ||
         method == "PRI";
}

// Checks the body's framing before anything of it is read. kNone when it may be read.
ConnectionFault CheckBodyHeaders(const httplib::Request& req, size_t max_body_bytes,
                                 bool& has_body) {
  has_body = false;
  std::string encoding = Lower(std::string(TrimView(req.get_header_value("Content-Encoding"))));
  if (!encoding.empty() && encoding != "identity") return ConnectionFault::kContentEncoding;
  if (req.has_header("Transfer-Encoding")) {
    has_body = true;
    std::string transfer = Lower(std::string(TrimView(req.get_header_value("Transfer-Encoding"))));
    if (transfer != "chunked") return ConnectionFault::kTransferEncoding;
  }
  if (req.has_header("Content-Length")) {
    const std::string header = req.get_header_value("Content-Length");  // a copy: keep it alive
    std::string_view text = TrimView(header);
    uint64_t length = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      return ConnectionFault::kTransferEncoding;  // unreadable framing: refuse the body
    }
    if (length > max_body_bytes) return ConnectionFault::kBodyTooLarge;
    if (length > 0) has_body = true;
  }
  return ConnectionFault::kNone;
}

// Closing a socket with unread input resets the connection, and the client may lose the answer
// it has not read yet (a 413 while it still uploads). So after a refusal: end our side, then
// read and discard what keeps coming for a short, bounded while.
void LingerBeforeClose(int sock) {
  ::shutdown(sock, SHUT_WR);
  char drain[16 * 1024];
  size_t budget = 4u * 1024u * 1024u;
  const auto until = Clock::now() + std::chrono::milliseconds(500);
  while (budget > 0 && Clock::now() < until) {
    if (PollOne(sock, POLLIN, std::chrono::milliseconds(100)) <= 0) break;
    ssize_t n = ::recv(sock, drain, sizeof drain, 0);
    if (n <= 0) break;
    budget -= std::min(budget, static_cast<size_t>(n));
  }
}

}  // namespace

BoundedHttpServer::BoundedHttpServer(const ConnectionLimits& limits) : limits_(limits) {
  set_payload_max_length(limits_.max_body_bytes);
  // Runs once the head is read, before httplib reads any body.
  set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    BoundedStream* strm = t_current;
    if (strm == nullptr) return HandlerResponse::Unhandled;
    strm->BeginBody();
    bool has_body = false;
    ConnectionFault fault = CheckBodyHeaders(req, limits_.max_body_bytes, has_body);
    if (fault != ConnectionFault::kNone) {
      strm->Fail(fault);  // the body stays unread, so the connection cannot carry on
      res.status = ConnectionFaultStatus(fault);
      return HandlerResponse::Handled;
    }
    if (has_body && !ExpectsBody(req.method)) strm->CloseAfter();  // httplib never reads it
    return HandlerResponse::Unhandled;
  });
  // httplib answers `Expect: 100-continue` before routing; refuse a body known to be too big
  // before the client sends it.
  set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    bool has_body = false;
    ConnectionFault fault = CheckBodyHeaders(req, limits_.max_body_bytes, has_body);
    if (fault == ConnectionFault::kNone) return 100;
    if (t_current) t_current->Fail(fault);
    res.status = ConnectionFaultStatus(fault);
    return res.status;
  });
}

void BoundedHttpServer::WidenListenBacklog() {
  socket_t sock = svr_sock_;
  if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);  // listen() again sets the backlog
}

ConnectionFault BoundedHttpServer::CurrentFault() {
  return t_current ? t_current->fault() : ConnectionFault::kNone;
}

bool BoundedHttpServer::ClosingAfterResponse() { return t_current && t_current->close_after(); }

bool BoundedHttpServer::TakeAddressSlot(const std::string& address) {
  std::lock_guard lock(mu_);
  int& held = connections_by_address_[address];
  if (held >= limits_.max_connections_per_address) {
    if (held == 0) connections_by_address_.erase(address);
    return false;
  }
  ++held;
  return true;
}

void BoundedHttpServer::GiveAddressSlot(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = connections_by_address_.find(address);
  if (it != connections_by_address_.end() && --it->second <= 0) connections_by_address_.erase(it);
}

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
  const std::string address = PeerAddress(sock);
  bool ret = false;
  auto write_raw = [&](int status, ConnectionFault fault) {
    std::string body = fault_body ? fault_body(status, fault) : std::string();
    std::string head =
        "HTTP/1.1 " + std::to_string(status) + " " + StatusText(status) +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n" + (status == 429 ? "Retry-After: 1\r\n" : "") + "\r\n";
    std::string all = head + body;
    ::send(sock, all.data(), all.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  };
  if (!TakeAddressSlot(address)) {
    // Take in what already arrived, so that closing does not reset the connection before the
    // client reads the answer.
    char drain[4096];
    for (int i = 0; i < 16 && ::recv(sock, drain, sizeof drain, MSG_DONTWAIT) > 0; ++i) {
    }
    write_raw(429, ConnectionFault::kNone);
  } else {
    BoundedStream strm(sock, limits_);
    t_current = &strm;
    size_t count = keep_alive_max_count_;
    const auto idle = std::chrono::seconds(keep_alive_timeout_sec_);
    while (count > 0 && strm.WaitForRequest(idle, [this] { return svr_sock_ != INVALID_SOCKET; })) {
      strm.BeginRequest();
      bool connection_closed = false;
      ret = process_request(strm, count == 1, connection_closed, nullptr);
      if (!ret) {
        // httplib gives up without answering when the request line itself fails.
        ConnectionFault fault = strm.fault();
        if (fault == ConnectionFault::kHeadTooLarge || fault == ConnectionFault::kHeadTimeout) {
          write_raw(ConnectionFaultStatus(fault), fault);
        }
        break;
      }
      // A head httplib could not parse (a bad request line, an unknown method) was answered
      // 400 without routing; what follows it on the connection cannot be trusted.
      if (connection_closed || strm.close_after() || !strm.routed()) break;
      --count;
    }
    t_current = nullptr;
    if (strm.fault() != ConnectionFault::kNone) LingerBeforeClose(sock);
    GiveAddressSlot(address);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace ferry::api
