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
  std::vector<size_t> chunk_sizes;              // in order, the final 0 included
  std::map<std::string, std::string> trailers;  // names lower-cased
};

// True when x-amz-content-sha256 announces an aws-chunked body.
bool IsStreamingPayload(std::string_view content_sha256);

// kInvalidArgument naming the problem for any framing error (bad size, missing CRLF, a chunk
// running past the end, a malformed trailer).
Result<ChunkedPayload> DecodeAwsChunked(std::string_view body);

// Checks the chunk signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] body: each chunk's
// signature chains from the previous one, starting with the request's seed signature, over
// "AWS4-HMAC-SHA256-PAYLOAD\n<amz-date>\n<scope>\n<previous>\n<sha256("")>\n<sha256(chunk)>";
// with trailers, x-amz-trailer-signature signs "AWS4-HMAC-SHA256-TRAILER\n...\n<previous>\n
// <sha256(trailer lines)>". signing_key is the SigV4 key derived for scope
// ("20260101/us-east-1/s3/aws4_request"). False when a signature is missing or differs.
bool VerifyChunkSignatures(const ChunkedPayload& payload, std::string_view signing_key,
                           std::string_view amz_date, std::string_view scope,
                           std::string_view seed_signature, bool with_trailer);

}  // namespace ferry::sandbox::s3
