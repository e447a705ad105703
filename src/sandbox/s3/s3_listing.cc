// ListObjects, ListObjectsV2 and ListObjectVersions of the S3 sandbox.
#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/s3/s3_error.h"
#include "sandbox/s3/s3_service.h"
#include "sandbox/s3/s3_wire.h"

namespace ferry::sandbox::s3 {
namespace {

constexpr int kMaxKeys = 1000;

std::string Param(const Request& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

Result<int> ParseMaxKeys(const Request& request) {
  std::string text = Param(request, "max-keys");
  if (text.empty()) return kMaxKeys;
  auto parsed = ParseInt(text);
  if (!parsed || *parsed < 0 || *parsed > INT32_MAX) {
    return InvalidArgumentError("Provided max-keys not an integer or within integer range",
                                "max-keys", text);
  }
  return static_cast<int>(std::min<int64_t>(*parsed, kMaxKeys));
}

Result<bool> ParseEncodingType(const Request& request) {
  std::string text = Param(request, "encoding-type");
  if (text.empty()) return false;
  if (text != "url") {
    return InvalidArgumentError("Invalid Encoding Method specified in Request", "encoding-type",
                                text);
  }
  return true;
}

// Continuation tokens are opaque to clients: "k:<key>" resumes after a key, "p:<prefix>" after
// everything under a common prefix.
std::string EncodeToken(const ListPage& page) {
  return Base64Encode((page.last_is_prefix ? "p:" : "k:") + page.last_item);
}

Status DecodeToken(const std::string& token, ListQuery& query) {
  auto decoded = Base64Decode(token);
  if (!decoded.ok() || decoded->size() < 3 ||
      (!decoded->starts_with("k:") && !decoded->starts_with("p:"))) {
    return InvalidArgumentError("The continuation token provided is incorrect",
                                "continuation-token", token);
  }
  query.start_after = decoded->substr(2);
  if (decoded->starts_with("p:")) query.skip_prefix = query.start_after;
  return Ok();
}

}  // namespace

Result<Response> S3Service::ListObjects(const Context& ctx, bool v2) {
  const Request& request = ctx.request;
  ListQuery query;
  query.prefix = Param(request, "prefix");
  query.delimiter = Param(request, "delimiter");
  FERRY_ASSIGN_OR_RETURN(query.max_keys, ParseMaxKeys(request));
  FERRY_ASSIGN_OR_RETURN(bool url, ParseEncodingType(request));
  std::string token = Param(request, "continuation-token");
  bool has_token = request.query.count("continuation-token") > 0;
  if (v2 && has_token) {
    FERRY_RETURN_IF_ERROR(DecodeToken(token, query));
  } else {
    query.start_after = Param(request, v2 ? "start-after" : "marker");
  }
  bool fetch_owner = !v2 || Param(request, "fetch-owner") == "true";
  FERRY_ASSIGN_OR_RETURN(ListPage page,
                         store_->ListObjects(ctx.caller.account_id, ctx.target.bucket, query));
  auto enc = [&](const std::string& text) { return url ? UrlEncodeKey(text) : text; };

  XmlWriter xml("ListBucketResult");
  xml.Element("Name", ctx.target.bucket).Element("Prefix", enc(query.prefix));
  if (v2) {
    if (has_token) xml.Element("ContinuationToken", token);
    if (request.query.count("start-after")) {
      xml.Element("StartAfter", enc(Param(request, "start-after")));
    }
    xml.Element("KeyCount", std::to_string(page.objects.size() + page.common_prefixes.size()));
  } else {
    xml.Element("Marker", enc(query.start_after));
  }
  xml.Element("MaxKeys", std::to_string(query.max_keys));
  if (!query.delimiter.empty()) xml.Element("Delimiter", enc(query.delimiter));
  if (url) xml.Element("EncodingType", "url");
  xml.Element("IsTruncated", page.truncated ? "true" : "false");
  if (page.truncated) {
    if (v2) {
      xml.Element("NextContinuationToken", EncodeToken(page));
    } else if (!query.delimiter.empty()) {
      xml.Element("NextMarker", enc(page.last_item));
    }
  }
  for (const auto& entry : page.objects) {
    xml.Open("Contents")
        .Element("Key", enc(entry.key))
        .Element("LastModified", FormatIsoDate(entry.version.last_modified))
        .Element("ETag", entry.version.etag);
    if (!entry.version.checksum_algorithm.empty()) {
      xml.Element("ChecksumAlgorithm", entry.version.checksum_algorithm);
      xml.Element("ChecksumType", "FULL_OBJECT");
    }
    xml.Element("Size", std::to_string(entry.version.size)).Element("StorageClass", "STANDARD");
    if (fetch_owner) {
      xml.Open("Owner")
          .Element("ID", OwnerId(ctx.caller.account_id))
          .Element("DisplayName", ctx.caller.account_id)
          .Close();
    }
    xml.Close();
  }
  for (const auto& prefix : page.common_prefixes) {
    xml.Open("CommonPrefixes").Element("Prefix", enc(prefix)).Close();
  }
  Response response;
  response.headers.emplace_back("Content-Type", "application/xml");
  response.body = xml.Finish();
  return response;
}

Result<Response> S3Service::ListObjectVersions(const Context& ctx) {
  const Request& request = ctx.request;
  VersionListQuery query;
  query.prefix = Param(request, "prefix");
  query.delimiter = Param(request, "delimiter");
  query.key_marker = Param(request, "key-marker");
  query.version_id_marker = Param(request, "version-id-marker");
  if (!query.version_id_marker.empty() && query.key_marker.empty()) {
    return InvalidArgumentError("A version-id marker cannot be specified without a key marker.",
                                "version-id-marker", query.version_id_marker);
  }
  FERRY_ASSIGN_OR_RETURN(query.max_keys, ParseMaxKeys(request));
  FERRY_ASSIGN_OR_RETURN(bool url, ParseEncodingType(request));
  FERRY_ASSIGN_OR_RETURN(VersionListPage page,
                         store_->ListVersions(ctx.caller.account_id, ctx.target.bucket, query));
  auto enc = [&](const std::string& text) { return url ? UrlEncodeKey(text) : text; };

  XmlWriter xml("ListVersionsResult");
  xml.Element("Name", ctx.target.bucket)
      .Element("Prefix", enc(query.prefix))
      .Element("KeyMarker", enc(query.key_marker))
      .Element("VersionIdMarker", query.version_id_marker);
  if (page.truncated) {
    xml.Element("NextKeyMarker", enc(page.next_key_marker));
    if (!page.next_version_id_marker.empty()) {
      xml.Element("NextVersionIdMarker", page.next_version_id_marker);
    }
  }
  xml.Element("MaxKeys", std::to_string(query.max_keys));
  if (!query.delimiter.empty()) xml.Element("Delimiter", enc(query.delimiter));
  if (url) xml.Element("EncodingType", "url");
  xml.Element("IsTruncated", page.truncated ? "true" : "false");
  for (const auto& entry : page.versions) {
    const ObjectVersion& v = entry.version;
    xml.Open(v.delete_marker ? "DeleteMarker" : "Version")
        .Element("Key", enc(entry.key))
        .Element("VersionId", v.version_id)
        .Element("IsLatest", entry.is_latest ? "true" : "false")
        .Element("LastModified", FormatIsoDate(v.last_modified));
    if (!v.delete_marker) {
      xml.Element("ETag", v.etag);
      if (!v.checksum_algorithm.empty()) {
        xml.Element("ChecksumAlgorithm", v.checksum_algorithm);
        xml.Element("ChecksumType", "FULL_OBJECT");
      }
      xml.Element("Size", std::to_string(v.size)).Element("StorageClass", "STANDARD");
    }
    xml.Open("Owner")
        .Element("ID", OwnerId(ctx.caller.account_id))
        .Element("DisplayName", ctx.caller.account_id)
        .Close()
        .Close();
  }
  for (const auto& prefix : page.common_prefixes) {
    xml.Open("CommonPrefixes").Element("Prefix", enc(prefix)).Close();
  }
  Response response;
  response.headers.emplace_back("Content-Type", "application/xml");
  response.body = xml.Finish();
  return response;
}

}  // namespace ferry::sandbox::s3
