#include "sandbox/s3/s3_error.h"

#include "common/strings.h"

namespace ferry::sandbox::s3 {

namespace {

ErrorCode CodeForStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 412:
      return ErrorCode::kFailedPrecondition;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 501:
      return ErrorCode::kUnimplemented;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
  }
}

}  // namespace

Error S3Error(int status, const std::string& code, const std::string& message) {
  Error error{CodeForStatus(status), message, {}};
  error.details["s3.code"] = code;
  error.details["s3.status"] = std::to_string(status);
  return error;
}

Error WithField(Error error, const std::string& name, const std::string& value) {
  error.details["field." + name] = value;
  return error;
}

Error WithHeader(Error error, const std::string& name, const std::string& value) {
  error.details["header." + name] = value;
  return error;
}

Error NoSuchBucket(const std::string& bucket) {
  return WithField(S3Error(404, "NoSuchBucket", "The specified bucket does not exist"),
                   "BucketName", bucket);
}

Error NoSuchKey(const std::string& key) {
  return WithField(S3Error(404, "NoSuchKey", "The specified key does not exist."), "Key", key);
}

Error InvalidArgumentError(const std::string& message, const std::string& name,
                           const std::string& value) {
  Error error = S3Error(400, "InvalidArgument", message);
  if (!name.empty()) {
    error = WithField(std::move(error), "ArgumentName", name);
    error = WithField(std::move(error), "ArgumentValue", value);
  }
  return error;
}

std::string S3Code(const Error& error) {
  auto it = error.details.find("s3.code");
  if (it != error.details.end()) return it->second;
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
      return "AccessDenied";
    case ErrorCode::kPayloadTooLarge:
      return "EntityTooLarge";
    case ErrorCode::kUnimplemented:
      return "NotImplemented";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailable";
    default:
      return "InternalError";
  }
}

int S3Status(const Error& error) {
  auto it = error.details.find("s3.status");
  if (it != error.details.end()) {
    if (auto status = ParseInt(it->second)) return static_cast<int>(*status);
  }
  if (error.code == ErrorCode::kPayloadTooLarge) return 400;  // S3's EntityTooLarge is a 400
  if (error.code == ErrorCode::kUnauthenticated) return 403;
  return HttpStatus(error.code);
}

}  // namespace ferry::sandbox::s3
