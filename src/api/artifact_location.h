// Where an artifact is: the S3 location of a zip, as an artifact record keeps it
// (store::ArtifactRecord::location_json) and the REST API accepts it ("artifact" of POST
// /deployments and /plans, "location" of POST /artifacts: request_input.h parses those):
// {"s3Bucket", "s3Key", "s3ObjectVersion"?}. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/json_fwd.h"
#include "common/result.h"

namespace ferry::api {

struct ArtifactLocation {
  std::string s3_bucket;
  std::string s3_key;
  std::string s3_object_version;  // optional
};

std::string EncodeArtifactLocation(const ArtifactLocation& location);
// kInvalidArgument when the stored text is not a location with a bucket and a key.
Result<ArtifactLocation> DecodeArtifactLocation(std::string_view json);

}  // namespace ferry::api
