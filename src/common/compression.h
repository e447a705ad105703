// gzip (RFC 1952) over zlib, which is included only in compression.cc.
//
// Gunzip is for bytes from outside (request bodies, downloaded models): its output is capped, so a
// small gzip bomb cannot allocate without bound, and it accepts only complete gzip data.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry {

// Inflates one gzip member or several concatenated ones (RFC 1952 allows that; each is inflated in
// turn). Errors:
//   kPayloadTooLarge  the inflated size would pass max_bytes (nothing past the cap is allocated)
//   kInvalidArgument  empty input, or anything that is not complete gzip data: a bad header or
//                     CRC, a truncated member, trailing bytes that are not another member
//   kInternal         zlib could not start (out of memory)
Result<std::string> Gunzip(std::string_view compressed, size_t max_bytes);

// One gzip member holding data, at zlib's default compression level. kInternal when zlib cannot
// start (out of memory).
Result<std::string> Gzip(std::string_view data);

}  // namespace ferry
