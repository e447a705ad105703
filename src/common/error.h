// Error: what went wrong with an expected failure, carried by Result<T>.
//
// Codes are named for what the caller can do about them, and map one-to-one to HTTP statuses at
// the API edge (HttpStatus). Messages are written for the user who must act on them; details
// holds machine-readable context (an AWS request id, a field path). Neither may contain a secret.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ferry {

enum class ErrorCode {
  kInvalidArgument,     // 400: the input is wrong; fix it and retry.
  kUnauthenticated,     // 401: no or bad credentials.
  kPermissionDenied,    // 403: authenticated, but not allowed.
  kNotFound,            // 404: the thing named does not exist.
  kConflict,            // 409: exists already, or state changed underneath (retry may succeed).
  kFailedPrecondition,  // 412: a guard (revision, sha) did not hold.
  kPayloadTooLarge,     // 413: input over a size limit.
  kTooManyRequests,     // 429: throttled; retry later.
  kCancelled,           // 499: the operation was aborted by a user or shutdown.
  kInternal,            // 500: a bug or a broken invariant.
  kUnimplemented,       // 501: not supported.
  kUnavailable,         // 503: a dependency is down or unreachable; retry may succeed.
  kDeadlineExceeded,    // 504: took too long.
};

// The stable name used in API responses and logs, e.g. "not_found".
std::string_view ErrorCodeName(ErrorCode code);
// Parses a name produced by ErrorCodeName; kInternal when unknown.
ErrorCode ErrorCodeFromName(std::string_view name);
int HttpStatus(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::map<std::string, std::string> details;

  // "not_found: function 'x' does not exist"
  std::string ToString() const;
  // Returns a copy with "context: " prefixed to the message.
  Error WithContext(std::string_view context) const;
};

Error InvalidArgument(std::string message);
Error NotFound(std::string message);
Error Conflict(std::string message);
Error FailedPrecondition(std::string message);
Error Internal(std::string message);
Error Unavailable(std::string message);

}  // namespace ferry
