#include "common/error.h"

#include <array>
#include <utility>

namespace ferry {
namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view name;
  int http_status;
};

constexpr std::array<CodeInfo, 13> kCodes = {{
    {ErrorCode::kInvalidArgument, "invalid_argument", 400},
    {ErrorCode::kUnauthenticated, "unauthenticated", 401},
    {ErrorCode::kPermissionDenied, "permission_denied", 403},
    {ErrorCode::kNotFound, "not_found", 404},
    {ErrorCode::kConflict, "conflict", 409},
    {ErrorCode::kFailedPrecondition, "failed_precondition", 412},
    {ErrorCode::kPayloadTooLarge, "payload_too_large", 413},
    {ErrorCode::kTooManyRequests, "too_many_requests", 429},
    {ErrorCode::kCancelled, "cancelled", 499},
    {ErrorCode::kInternal, "internal", 500},
    {ErrorCode::kUnimplemented, "unimplemented", 501},
    {ErrorCode::kUnavailable, "unavailable", 503},
    {ErrorCode::kDeadlineExceeded, "deadline_exceeded", 504},
}};

const CodeInfo& Info(ErrorCode code) {
  for (const auto& info : kCodes) {
    if (info.code == code) return info;
  }
  return kCodes[9];  // kInternal
}

}  // namespace

std::string_view ErrorCodeName(ErrorCode code) { return Info(code).name; }

ErrorCode ErrorCodeFromName(std::string_view name) {
  for (const auto& info : kCodes) {
    if (info.name == name) return info.code;
  }
  return ErrorCode::kInternal;
}

int HttpStatus(ErrorCode code) { return Info(code).http_status; }

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  out += ": ";
  out += message;
  return out;
}

Error Error::WithContext(std::string_view context) const {
  Error copy = *this;
  copy.message = std::string(context) + ": " + message;
  return copy;
}

Error InvalidArgument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message), {}};
}
Error NotFound(std::string message) { return Error{ErrorCode::kNotFound, std::move(message), {}}; }
Error Conflict(std::string message) { return Error{ErrorCode::kConflict, std::move(message), {}}; }
Error FailedPrecondition(std::string message) {
  return Error{ErrorCode::kFailedPrecondition, std::move(message), {}};
}
Error Internal(std::string message) { return Error{ErrorCode::kInternal, std::move(message), {}}; }
Error Unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message), {}};
}

}  // namespace ferry
