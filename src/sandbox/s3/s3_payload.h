// Request-side helpers shared by the S3 object operations (PutObject, UploadPart, CopyObject):
// key rules, user metadata headers, and receiving a body with every digest checked. Internal to
// src/sandbox/s3; pure.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "sandbox/s3/object_store.h"
#include "sandbox/service.h"

namespace ferry::sandbox::s3 {

inline constexpr std::string_view kMetaPrefix = "x-amz-meta-";

// KeyTooLongError past 1024 bytes; InvalidArgument for keys that are not UTF-8.
Status ValidateKey(const std::string& key);
// Fills content type, stored headers and x-amz-meta-* metadata; MetadataTooLarge past 2 KiB.
Status ReadMetadataHeaders(const Request& request, ObjectVersion& meta);
// The bytes of a body: aws-chunked decoded, Content-MD5, x-amz-checksum-* (header or trailer)
// and a hex x-amz-content-sha256 verified (BadDigest, InvalidDigest, XAmzContentSHA256Mismatch,
// IncompleteBody). Fills meta's checksum when the client sent or requested one.
Result<std::string> ReceivePayload(const Request& request, ObjectVersion& meta);
// If-Match / If-None-Match semantics: "*" or any listed ETag, quoted or not.
bool EtagMatches(const std::string& condition, const std::string& etag);

}  // namespace ferry::sandbox::s3
