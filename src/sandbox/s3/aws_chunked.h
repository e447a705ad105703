// Decoding of the aws-chunked content encoding that SigV4 streaming uploads use
// (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER],
// STREAMING-UNSIGNED-PAYLOAD-TRAILER): "<hex-size>[;chunk-signature=<sig>]\r\n<bytes>\r\n" ...
// "0[;chunk-signature=<sig>]\r\n", then optional "name:value\r\n" trailers and a final "\r\n".
// Pure and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry::sandbox::s3 {

struct ChunkedPayload {
  std::string data;
  std::vector<std::string> chunk_signatures;    // in order, the final empty chunk's included
  std::map<std::string, std::string> trailers;  // names lower-cased
};

// True when x-amz-content-sha256 announces an aws-chunked body.
bool IsStreamingPayload(std::string_view content_sha256);

// kInvalidArgument naming the problem for any framing error (bad size, missing CRLF, a chunk
// running past the end, a malformed trailer).
Result<ChunkedPayload> DecodeAwsChunked(std::string_view body);

}  // namespace ferry::sandbox::s3
