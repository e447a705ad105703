// S3's errors carried in a ferry::Error, so store and handlers can return Result<T> and the
// service renders them as S3's XML error document.
//
// details["s3.code"] is the S3 error code ("NoSuchKey"), details["s3.status"] the HTTP status,
// details["field.<Name>"] an extra element of the <Error> document (<BucketName>, <Key>, ...),
// details["header.<name>"] a response header (x-amz-delete-marker on a deleted key).
#pragma once

#include <string>

#include "common/error.h"

namespace ferry::sandbox::s3 {

Error S3Error(int status, const std::string& code, const std::string& message);
// Returns error with <Name>value</Name> added to the XML document.
Error WithField(Error error, const std::string& name, const std::string& value);
Error WithHeader(Error error, const std::string& name, const std::string& value);

Error NoSuchBucket(const std::string& bucket);
Error NoSuchKey(const std::string& key);
Error InvalidArgumentError(const std::string& message, const std::string& name = "",
                           const std::string& value = "");

// The S3 code and status of any Error, including plain ferry errors from common helpers.
std::string S3Code(const Error& error);
int S3Status(const Error& error);

}  // namespace ferry::sandbox::s3
