// BoundedHttpServer: cpp-httplib 0.11's Server with every connection held to limits the library
// cannot be configured with. Internal to src/api (only server.cc and bounded_http_server.cc
// include it, and with it <httplib.h>).
//
// httplib 0.11 reads a request line and each header line whole before checking its length, reads
// a chunked body whole regardless of set_payload_max_length, inflates gzip bodies without a
// bound, and gives each connection a worker thread for as long as it trickles bytes (each read
// has a timeout, the request as a whole none). So this class replaces the per-connection loop
// (the virtual process_and_close_socket) and reads through its own httplib::Stream, which
//   - refuses a connection at once (429) when its address already holds
//     `max_connections_per_address` connections, so one client cannot take every worker;
//   - ends a request whose line and headers exceed `max_head_bytes` (431) or do not arrive
//     within `header_timeout` of its first byte (408);
//   - ends a body that exceeds `max_body_bytes` (plus chunk framing) while it is read, chunked
//     or not (413), or does not arrive within `body_timeout` (408);
//   - answers a body with a Content-Encoding (415) or a Transfer-Encoding other than chunked
//     (501) without reading it;
// and closes the connection after any of these. Thread-safe like httplib::Server.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace ferry::api {

struct ConnectionLimits {
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  std::chrono::milliseconds io_timeout{30000};  // a single read or write
  size_t max_head_bytes = 64u * 1024u;
  size_t max_body_bytes = 8u * 1024u * 1024u;
  int max_connections_per_address = 32;
};

// Why the current request cannot be served (set before httplib's error handler runs).
enum class ConnectionFault {
  kNone,
  kHeadTooLarge,      // 431
  kHeadTimeout,       // 408
  kBodyTooLarge,      // 413
  kBodyTimeout,       // 408
  kContentEncoding,   // 415
  kTransferEncoding,  // 501
};

// The HTTP status a fault is answered with (400 for kNone).
int ConnectionFaultStatus(ConnectionFault fault);

class BoundedHttpServer : public httplib::Server {
 public:
  explicit BoundedHttpServer(const ConnectionLimits& limits);

  const ConnectionLimits& limits() const { return limits_; }

  // For handlers running on a connection's thread (httplib's pre-/post-routing, error and
  // route handlers): what went wrong with the current request, and whether the connection
  // closes after the response. kNone / false outside a connection thread.
  // httplib 0.11 listens with a backlog of 5: a burst of connections (slow ones included) makes
  // the kernel drop further SYNs, and clients retry only after a second. Call after binding.
  void WidenListenBacklog();

  static ConnectionFault CurrentFault();
  static bool ClosingAfterResponse();

  // The JSON body of the answers written without httplib (429 for an address over its
  // connection limit; 408 / 431 when the request line itself failed). Set before listening.
  std::function<std::string(int status, ConnectionFault fault)> fault_body;

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool TakeAddressSlot(const std::string& address);
  void GiveAddressSlot(const std::string& address);

  const ConnectionLimits limits_;
  std::mutex mu_;
  std::map<std::string, int> connections_by_address_;  // guarded by mu_
};

}  // namespace ferry::api
