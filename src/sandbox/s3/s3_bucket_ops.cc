// Bucket-level operations of the S3 sandbox and DeleteObjects.
#include <regex>

#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/s3/checksums.h"
#include "sandbox/s3/s3_error.h"
#include "sandbox/s3/s3_service.h"
#include "sandbox/s3/s3_wire.h"

namespace ferry::sandbox::s3 {
namespace {

constexpr size_t kMaxConfigDocument = 1024 * 1024;
constexpr size_t kMaxDeleteObjects = 1000;

Error InvalidBucketName(const std::string& name, const std::string& why) {
  return WithField(S3Error(400, "InvalidBucketName", "The specified bucket is not valid. " + why),
                   "BucketName", name);
}

Error MalformedXml() {
  return S3Error(400, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema");
}

// The general-purpose bucket naming rules of S3.
Status ValidateBucketName(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) {
    return InvalidBucketName(name, "Bucket names must be between 3 and 63 characters long.");
  }
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return InvalidBucketName(
          name, "Bucket names can consist only of lowercase letters, numbers, dots and hyphens.");
    }
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) {
    return InvalidBucketName(name, "Bucket names must begin and end with a letter or number.");
  }
  if (name.find("..") != std::string::npos || name.find(".-") != std::string::npos ||
      name.find("-.") != std::string::npos) {
    return InvalidBucketName(name, "Bucket names must not contain adjacent periods.");
  }
  static const std::regex kIp(R"(^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$)");
  if (std::regex_match(name, kIp)) {
    return InvalidBucketName(name, "Bucket names must not be formatted as an IP address.");
  }
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.starts_with(prefix)) {
      return InvalidBucketName(name, "Bucket names must not start with the reserved prefix " +
                                         std::string(prefix) + ".");
    }
  }
  for (std::string_view suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (name.ends_with(suffix)) {
      return InvalidBucketName(
          name, "Bucket names must not end with the reserved suffix " + std::string(suffix) + ".");
    }
  }
  return Ok();
}

bool IsRegionName(const std::string& region) {
  static const std::regex kRegion(R"(^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$)");
  return std::regex_match(region, kRegion);
}

// Content-MD5 or x-amz-checksum-* must cover bodies of operations S3 marks httpChecksumRequired.
Status CheckBodyIntegrity(const Request& request, bool required) {
  std::string md5 = request.Header("content-md5");
  bool covered = false;
  if (!md5.empty()) {
    auto digest = Base64Decode(md5);
    if (!digest.ok() || digest->size() != 16) {
      return S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    if (*digest != Md5(request.body)) {
      return S3Error(400, "BadDigest",
                     "The Content-MD5 you specified did not match what we "
                     "received.");
    }
    covered = true;
  }
  for (auto algorithm :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    std::string value = request.Header(ChecksumHeaderName(algorithm));
    if (value.empty()) continue;
    if (value != ComputeChecksum(algorithm, request.body)) {
      return S3Error(400, "BadDigest",
                     "The " + std::string(ChecksumAlgorithmName(algorithm)) +
                         " you specified did not match the calculated checksum.");
    }
    covered = true;
  }
  if (required && !covered) {
    return S3Error(400, "InvalidRequest",
                   "Missing required header for this request: Content-MD5 OR x-amz-checksum-*");
  }
  return Ok();
}

Response XmlResponse(std::string body) {
  Response response;
  response.headers.emplace_back("Content-Type", "application/xml");
  response.body = std::move(body);
  return response;
}

}  // namespace

Result<Response> S3Service::ListBuckets(const Context& ctx) {
  auto buckets = store_->ListBuckets(ctx.caller.account_id);
  auto param = [&](const std::string& name) {
    auto it = ctx.request.query.find(name);
    return it == ctx.request.query.end() ? std::string() : it->second;
  };
  std::string prefix = param("prefix");
  std::string region = param("bucket-region");
  std::string token = param("continuation-token");
  int64_t max_buckets = 10000;
  if (!param("max-buckets").empty()) {
    auto parsed = ParseInt(param("max-buckets"));
    if (!parsed || *parsed < 1 || *parsed > 10000) {
      return InvalidArgumentError("Argument max-buckets must be an integer between 1 and 10000",
                                  "max-buckets", param("max-buckets"));
    }
    max_buckets = *parsed;
  }
  std::string after;
  if (!token.empty()) {
    auto decoded = Base64Decode(token);
    if (!decoded.ok() || !decoded->starts_with("b:")) {
      return InvalidArgumentError("The continuation token provided is incorrect",
                                  "continuation-token", token);
    }
    after = decoded->substr(2);
  }
  std::vector<const BucketInfo*> matching;
  for (const auto& b : buckets) {
    if (!b.name.starts_with(prefix) || (!region.empty() && b.region != region)) continue;
    if (!after.empty() && b.name <= after) continue;
    matching.push_back(&b);
  }
  XmlWriter xml("ListAllMyBucketsResult");
  xml.Open("Owner")
      .Element("ID", OwnerId(ctx.caller.account_id))
      .Element("DisplayName", ctx.caller.account_id)
      .Close();
  xml.Open("Buckets");
  size_t shown = std::min(matching.size(), static_cast<size_t>(max_buckets));
  for (size_t i = 0; i < shown; ++i) {
    xml.Open("Bucket")
        .Element("Name", matching[i]->name)
        .Element("CreationDate", FormatIsoDate(matching[i]->created))
        .Element("BucketRegion", matching[i]->region)
        .Close();
  }
  xml.Close();
  if (shown < matching.size()) {
    xml.Element("ContinuationToken", Base64Encode("b:" + matching[shown - 1]->name));
  }
  if (!prefix.empty()) xml.Element("Prefix", prefix);
  return XmlResponse(xml.Finish());
}

Result<Response> S3Service::CreateBucket(const Context& ctx) {
  const std::string& name = ctx.target.bucket;
  FERRY_RETURN_IF_ERROR(ValidateBucketName(name));
  std::string constraint;
  if (!Trim(ctx.request.body).empty()) {
    if (ctx.request.body.size() > kMaxConfigDocument) return MalformedXml();
    auto doc = ParseRequestXml(ctx.request.body);
    if (!doc.ok() || doc->root_name != "CreateBucketConfiguration") return MalformedXml();
    for (const auto& [field, value] : doc->children) {
      if (field == "LocationConstraint") constraint = value;
    }
  }
  const std::string& region = ctx.caller.region.empty() ? "us-east-1" : ctx.caller.region;
  if (constraint == "EU") constraint = "eu-west-1";
  if (!constraint.empty() && (constraint == "us-east-1" || !IsRegionName(constraint))) {
    return WithField(
        S3Error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid"),
        "LocationConstraint", constraint);
  }
  if (constraint.empty() && region != "us-east-1") {
    return S3Error(400, "IllegalLocationConstraintException",
                   "The unspecified location constraint is incompatible for the region specific "
                   "endpoint this request was sent to.");
  }
  if (!constraint.empty() && constraint != region) {
    return S3Error(400, "IllegalLocationConstraintException",
                   "The " + constraint +
                       " location constraint is incompatible for the region specific endpoint "
                       "this request was sent to.");
  }
  FERRY_RETURN_IF_ERROR(store_->CreateBucket(ctx.caller.account_id, name,
                                             constraint.empty() ? "us-east-1" : constraint));
  Response response;
  response.headers.emplace_back("Location", "/" + name);
  return response;
}

Result<Response> S3Service::HeadBucket(const Context& ctx) {
  FERRY_ASSIGN_OR_RETURN(BucketInfo info,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  Response response;
  response.headers.emplace_back("x-amz-bucket-region", info.region);
  response.headers.emplace_back("x-amz-access-point-alias", "false");
  return response;
}

Result<Response> S3Service::DeleteBucket(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(store_->DeleteBucket(ctx.caller.account_id, ctx.target.bucket));
  Response response;
  response.status = 204;
  return response;
}

Result<Response> S3Service::GetBucketLocation(const Context& ctx) {
  FERRY_ASSIGN_OR_RETURN(BucketInfo info,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"" +
                     std::string(kS3Namespace) + "\">" +
                     (info.region == "us-east-1" ? "" : EscapeXml(info.region)) +
                     "</LocationConstraint>";
  return XmlResponse(std::move(body));
}

Result<Response> S3Service::PutBucketVersioning(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  if (ctx.request.body.size() > kMaxConfigDocument) return MalformedXml();
  FERRY_RETURN_IF_ERROR(CheckBodyIntegrity(ctx.request, /*required=*/false));
  auto doc = ParseRequestXml(ctx.request.body);
  if (!doc.ok() || doc->root_name != "VersioningConfiguration") return MalformedXml();
  std::string status;
  for (const auto& [field, value] : doc->children) {
    if (field == "Status") {
      status = value;
    } else if (field == "MfaDelete" && value == "Enabled") {
      return S3Error(400, "InvalidRequest",
                     "MFA delete is not supported by ferry sandbox (it needs an MFA device)");
    }
  }
  if (status != "Enabled" && status != "Suspended") return MalformedXml();
  FERRY_RETURN_IF_ERROR(store_->SetVersioning(ctx.caller.account_id, ctx.target.bucket, status));
  return Response{};
}

Result<Response> S3Service::GetBucketVersioning(const Context& ctx) {
  FERRY_ASSIGN_OR_RETURN(BucketInfo info,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  XmlWriter xml("VersioningConfiguration");
  if (!info.versioning.empty()) xml.Element("Status", info.versioning);
  return XmlResponse(xml.Finish());
}

Result<Response> S3Service::DeleteObjects(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  if (ctx.request.body.size() > kMaxConfigDocument) return MalformedXml();
  FERRY_RETURN_IF_ERROR(CheckBodyIntegrity(ctx.request, /*required=*/true));
  auto doc = ParseRequestXml(ctx.request.body);
  if (!doc.ok() || doc->root_name != "Delete" || doc->objects.empty() ||
      doc->objects.size() > kMaxDeleteObjects) {
    return MalformedXml();
  }
  bool quiet = false;
  for (const auto& [field, value] : doc->children) {
    if (field == "Quiet") quiet = value == "true";
  }
  XmlWriter xml("DeleteResult");
  for (const auto& fields : doc->objects) {
    std::string key;
    std::optional<std::string> version_id;
    for (const auto& [field, value] : fields) {
      if (field == "Key") key = value;
      if (field == "VersionId") version_id = value;
    }
    if (key.empty()) return MalformedXml();
    auto outcome = store_->DeleteObject(ctx.caller.account_id, ctx.target.bucket, key, version_id);
    if (!outcome.ok()) {
      xml.Open("Error").Element("Key", key);
      if (version_id) xml.Element("VersionId", *version_id);
      xml.Element("Code", S3Code(outcome.error()))
          .Element("Message", outcome.error().message)
          .Close();
      continue;
    }
    if (quiet) continue;
    xml.Open("Deleted").Element("Key", key);
    if (version_id) xml.Element("VersionId", *version_id);
    if (outcome->delete_marker) {
      xml.Element("DeleteMarker", "true");
      xml.Element("DeleteMarkerVersionId", outcome->version_id);
    }
    xml.Close();
  }
  return XmlResponse(xml.Finish());
}

}  // namespace ferry::sandbox::s3
