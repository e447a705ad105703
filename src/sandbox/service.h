// NOTE for service authors (sandbox front, 2026-11-27): WireError gained `fields` and `headers`
// (extra error-body members and response headers, e.g. TooManyRequestsException's Reason and
// Retry-After); render them when your error shape has them, ignore them otherwise. Durable state
// under --data goes through sandbox/snapshot.h (SnapshotFile: atomic JSON save, strict load).
//
// The contract between the sandbox's HTTP front (server, routing, SigV4 verification, quotas,
// fault injection) and each emulated AWS service (lambda/, s3/, cloudwatch/, sts/).
//
// The front verifies the signature, resolves the caller, and routes by the credential scope's
// service name (every AWS client signs with it), then calls Handle. Services must be thread-safe:
// the front calls them from many threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_fwd.h"

namespace ferry::sandbox {

struct Request {
  std::string method;
  std::string raw_path;                           // as on the wire, percent-encoded
  std::string path;                               // percent-decoded
  std::string raw_query;                          // as on the wire, without '?'
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string host;                               // Host header
  std::string body;
  // Set by the front, never from the wire: an injected outcome fault for this operation
  // ("state-failed"), see faults.h.
  std::string fault_outcome;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Caller {
  std::string account_id;     // "000000000000" by default
  std::string access_key_id;  // the key that signed
  std::string region;         // from the credential scope
  std::string arn;            // "arn:aws:iam::000000000000:root" or the assumed-role ARN
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// `body` as application/json with `status` (the admin routes' answers; front.cc).
Response JsonReply(int status, const Json& body);

// An error from the front (auth, quota, injected fault) that the service renders in its own
// wire format (rest-json, rest-xml, query XML, awsJson).
struct WireError {
  int status = 400;
  std::string code;  // AWS error code, e.g. "InvalidSignatureException", "SignatureDoesNotMatch"
  std::string message;
  std::string request_id;
  // Extra members of the error body, as strings (e.g. {"Reason", "CallerRateLimitExceeded"}).
  std::vector<std::pair<std::string, std::string>> fields;
  // Extra response headers (e.g. {"Retry-After", "1"}).
  std::vector<std::pair<std::string, std::string>> headers;
};

class Service {
 public:
  virtual ~Service() = default;
  // The SigV4 signing name this service answers to: "lambda", "s3", "monitoring", "sts".
  virtual std::string_view signing_name() const = 0;
  virtual Response Handle(const Request& request, const Caller& caller) = 0;
  virtual Response RenderError(const Request& request, const WireError& error) = 0;
  // The AWS operation name a request is for ("UpdateFunctionCode", "PutObject"), for quotas and
  // fault injection; "" when not recognised.
  virtual std::string OperationName(const Request& request) = 0;
};

}  // namespace ferry::sandbox
