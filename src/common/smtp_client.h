// smtp::Send: one e-mail over SMTP through libcurl (included only in smtp_client.cc and
// http_client.cc). STARTTLS when asked (then required: a server that does not offer it is an
// error, never a silent plain-text fallback), with TLS peer and host verification; AUTH when a
// user name is given. The message is sent as given: the caller builds its headers and body and
// is responsible for their safety (notify/message.h refuses CR/LF in header values).
//
// Errors never contain the password or the message; they name the server (host:port) only:
//   kInvalidArgument   the host, an address or the message is unusable
//   kPermissionDenied  the server refused the login
//   kFailedPrecondition STARTTLS asked for but not offered, or the server refused a recipient or
//                      the sender for good (a 5xx reply)
//   kUnavailable       connect, TLS or transfer failures, 4xx replies (try again later)
//   kDeadlineExceeded  the exchange took longer than the timeout
// Thread-safe: each call uses its own connection.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace ferry::smtp {

struct Server {
  std::string host;
  int port = 587;
  bool start_tls = true;
  std::string username;  // "" = no AUTH
  std::string password;
  std::string ca_bundle;  // PEM file of trusted CAs; "" = the system store
  std::chrono::milliseconds timeout{30'000};
};

struct Mail {
  std::string from;             // envelope sender, a bare address
  std::vector<std::string> to;  // envelope recipients, bare addresses
  std::string data;             // the whole message: headers, blank line, body (CRLF lines)
};

Status Send(const Server& server, const Mail& mail);

}  // namespace ferry::smtp
