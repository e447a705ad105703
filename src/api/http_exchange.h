// The API's own view of an HTTP exchange, independent of the HTTP library (server.cc adapts
// cpp-httplib to it), so routes are plain functions from an ApiRequest to an ApiResponse.
// Internal to src/api. Value types; thread-compatible.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/permissions.h"
#include "common/json.h"
#include "common/result.h"

namespace ferry::api {

struct ApiRequest {
  std::string method;
  std::string path;                   // as sent, without the query ("/api/v1/executions/X")
  std::vector<std::string> segments;  // percent-decoded path segments
  std::multimap<std::string, std::string> query;  // percent-decoded
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
  std::string remote_address;  // the connection's peer address ("" when unknown)
  // The client's address for the audit trail: remote_address, or what a trusted proxy
  // forwarded (request_actor.h). Set by the server before routing.
  std::string client_address;
  // Once authenticated: "user:NAME" for a user (signed in, or by one of their tokens),
  // "token:NAME" for a service account's token; and what the caller may do.
  std::string actor;
  Principal principal;

  // "" when absent.
  std::string Header(const std::string& lower_name) const;
};

// A response written as it is produced (Server-Sent Events). `write` returns false once the
// client is gone; the function returns when the stream is complete or must end.
using StreamBody = std::function<void(const std::function<bool(std::string_view)>& write)>;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  StreamBody stream;  // when set, body is ignored
};

ApiResponse JsonReply(int status, const Json& body);
// {"error": {"code", "message", ...details}} with the status of the error's code. The message
// is masked (SecretMasker) before it leaves the process.
ApiResponse ErrorReply(const Error& error);
// An error whose JSON carries a "problems" list (config validation).
ApiResponse ErrorReply(const Error& error, const Json& problems);

}  // namespace ferry::api
