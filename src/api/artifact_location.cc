#include "api/artifact_location.h"

#include "common/json.h"

namespace ferry::api {
std::string EncodeArtifactLocation(const ArtifactLocation& l) {
  Json out = {{"s3Bucket", l.s3_bucket}, {"s3Key", l.s3_key}};
  if (!l.s3_object_version.empty()) out["s3ObjectVersion"] = l.s3_object_version;
  return DumpJson(out);
}

Result<ArtifactLocation> DecodeArtifactLocation(std::string_view json) {
  auto parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_object()) {
    return InvalidArgument("the artifact's location is not a JSON object");
  }
  ArtifactLocation out;
  out.s3_bucket = parsed->value("s3Bucket", "");
  out.s3_key = parsed->value("s3Key", "");
  out.s3_object_version = parsed->value("s3ObjectVersion", "");
  if (out.s3_bucket.empty() || out.s3_key.empty()) {
    return InvalidArgument("the artifact has no S3 location (s3Bucket, s3Key)");
  }
  return out;
}

}  // namespace ferry::api
