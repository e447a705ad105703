// Request bodies sent with Content-Encoding: gzip (AWS SDKs compress CloudWatch PutMetricData
// bodies of 10 KiB and more, @requestCompression). The front verifies SigV4 over the compressed
// bytes as received, then inflates them here before a service sees the body. S3 is the exception:
// there Content-Encoding is object metadata and the body is stored as sent.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::sandbox {

// True when the Content-Encoding list names gzip ("gzip", "x-gzip", "aws-chunked, gzip").
bool HasGzipEncoding(std::string_view content_encoding);

// The Content-Encoding list without its gzip entries ("" when nothing else remains).
std::string WithoutGzip(std::string_view content_encoding);

// Inflates one or more concatenated gzip members (common/compression.h's Gunzip), with errors
// worded for a request body. The output is capped at max_bytes, so a small zip bomb cannot
// allocate without bound: kPayloadTooLarge when the inflated size would pass it,
// kInvalidArgument for anything that is not a complete gzip stream (bad header, CRC, truncation,
// trailing garbage).
Result<std::string> InflateGzip(std::string_view compressed, size_t max_bytes);

}  // namespace ferry::sandbox
