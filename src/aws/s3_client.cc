#include "aws/s3_client.h"

#include "common/strings.h"
#include "common/xml.h"

namespace ferry::aws {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::string Query(const Params& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty() && key != "versions") continue;
    out += out.empty() ? "?" : "&";
    out += UriEncode(key, /*keep_slash=*/false);
    if (!value.empty() || key == "versions") out += "=" + UriEncode(value, /*keep_slash=*/false);
  }
  return out;
}

// DNS-compatible names without dots can be addressed as a host; others need path-style.
bool VirtualHostable(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

Error Malformed(std::string_view operation, std::string_view what) {
  return Error{ErrorCode::kUnavailable, StrCat({"malformed S3 ", operation, " response: ", what})};
}

// The response document, whose root element is root_name. Custom and external entities are never
// expanded (common/xml.h).
Result<XmlDocument> LoadDocument(const std::string& body, std::string_view operation,
                                 std::string_view root_name) {
  auto doc = XmlDocument::Parse(body);
  if (!doc.ok()) return Malformed(operation, doc.error().message);
  if (!doc->Root(root_name)) return Malformed(operation, StrCat({"no <", root_name, "> element"}));
  return doc;
}

Result<int64_t> ParseSize(const XmlElement& node, std::string_view operation) {
  const std::string_view text = node.ChildText("Size");
  if (text.empty()) return int64_t{0};
  auto size = ParseInt(Trim(text));
  if (!size.has_value() || *size < 0) return Malformed(operation, "Size is not a number");
  return *size;
}

bool ParseBool(std::string_view text) { return text == "true"; }

S3ObjectHead HeadFrom(const HttpResponse& response) {
  S3ObjectHead head;
  head.content_length = ParseInt(response.Header("content-length"))
                            .value_or(static_cast<int64_t>(response.body.size()));
  head.etag = response.Header("etag");
  head.last_modified = response.Header("last-modified");
  head.version_id = response.Header("x-amz-version-id");
  head.content_type = response.Header("content-type");
  head.request_id = RequestIdOf(response);
  for (const auto& [name, value] : response.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) head.metadata[name.substr(11)] = value;
  }
  return head;
}

}  // namespace

ServiceConfig S3ServiceConfig(std::string endpoint, std::string region) {
  ServiceConfig config;
  config.endpoint = std::move(endpoint);
  config.region = std::move(region);
  config.signing_name = "s3";
  config.service_name = "s3";
  config.protocol = Protocol::kRestXml;
  // GetObject bodies (artifacts) are larger than API responses.
  config.max_response_bytes = 1024u * 1024 * 1024;
  return config;
}

S3Client::S3Client(ServiceConfig config, ServiceDeps deps, S3Options options)
    : options_(options), service_(std::move(config), deps) {}

Result<OperationCall> S3Client::MakeCall(std::string operation, std::string method,
                                         const std::string& bucket, const std::string& key,
                                         const std::string& query) const {
  if (bucket.empty() || bucket.size() > 255 || bucket.find('/') != std::string::npos) {
    return InvalidArgument("s3: invalid bucket name " + QuoteForMessage(bucket));
  }
  if (key.size() > 1024) return InvalidArgument("s3: object key longer than 1024 bytes");
  OperationCall call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.api_class = call.method == "PUT" ? ApiClass::kS3Write : ApiClass::kS3Read;
  const std::string encoded_key = key.empty() ? "" : "/" + UriEncode(key, /*keep_slash=*/true);
  if (options_.path_style || !VirtualHostable(bucket)) {
    call.path_and_query = "/" + UriEncode(bucket, /*keep_slash=*/false) + encoded_key + query;
  } else {
    const std::string& endpoint = service_.config().endpoint;
    const size_t scheme_end = endpoint.find("://");
    if (scheme_end == std::string::npos) {
      return InvalidArgument("s3: endpoint without a scheme: " + QuoteForMessage(endpoint));
    }
    call.endpoint =
        StrCat({endpoint.substr(0, scheme_end + 3), bucket, ".", endpoint.substr(scheme_end + 3)});
    call.path_and_query = (encoded_key.empty() ? "/" : encoded_key) + query;
  }
  return call;
}

Result<ListObjectsResult> S3Client::ListObjectsV2(const ListObjectsRequest& request,
                                                  std::stop_token stop) {
  const std::string query =
      Query({{"list-type", "2"},
             {"prefix", request.prefix},
             {"delimiter", request.delimiter},
             {"continuation-token", request.continuation_token},
             {"start-after", request.start_after},
             {"max-keys", request.max_keys > 0 ? std::to_string(request.max_keys) : ""}});
  FERRY_ASSIGN_OR_RETURN(auto call, MakeCall("ListObjectsV2", "GET", request.bucket, "", query));
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(call, stop));
  FERRY_ASSIGN_OR_RETURN(const XmlDocument doc,
                         LoadDocument(result.response.body, "ListObjectsV2", "ListBucketResult"));
  const XmlElement root = doc.Root();
  ListObjectsResult out;
  out.request_id = result.request_id;
  out.is_truncated = ParseBool(root.ChildText("IsTruncated"));
  out.next_continuation_token = root.ChildText("NextContinuationToken");
  for (const XmlElement& node : root.Children("Contents")) {
    S3Object object;
    object.key = node.ChildText("Key");
    if (object.key.empty()) return Malformed("ListObjectsV2", "Contents without a Key");
    FERRY_ASSIGN_OR_RETURN(object.size, ParseSize(node, "ListObjectsV2"));
    object.etag = node.ChildText("ETag");
    object.last_modified = node.ChildText("LastModified");
    object.storage_class = node.ChildText("StorageClass");
    out.objects.push_back(std::move(object));
  }
  for (const XmlElement& node : root.Children("CommonPrefixes")) {
    out.common_prefixes.emplace_back(node.ChildText("Prefix"));
  }
  if (out.is_truncated && out.next_continuation_token.empty()) {
    return Malformed("ListObjectsV2", "truncated without a NextContinuationToken");
  }
  return out;
}

Result<ListObjectVersionsResult> S3Client::ListObjectVersions(
    const ListObjectVersionsRequest& request, std::stop_token stop) {
  const std::string query =
      Query({{"versions", ""},
             {"prefix", request.prefix},
             {"key-marker", request.key_marker},
             {"version-id-marker", request.version_id_marker},
             {"max-keys", request.max_keys > 0 ? std::to_string(request.max_keys) : ""}});
  FERRY_ASSIGN_OR_RETURN(auto call,
                         MakeCall("ListObjectVersions", "GET", request.bucket, "", query));
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(call, stop));
  FERRY_ASSIGN_OR_RETURN(
      const XmlDocument doc,
      LoadDocument(result.response.body, "ListObjectVersions", "ListVersionsResult"));
  const XmlElement root = doc.Root();
  ListObjectVersionsResult out;
  out.request_id = result.request_id;
  out.is_truncated = ParseBool(root.ChildText("IsTruncated"));
  out.next_key_marker = root.ChildText("NextKeyMarker");
  out.next_version_id_marker = root.ChildText("NextVersionIdMarker");
  for (const XmlElement& node : root.Children()) {
    const std::string_view name = node.Name();
    if (name != "Version" && name != "DeleteMarker") continue;
    S3ObjectVersion version;
    version.is_delete_marker = name == "DeleteMarker";
    version.key = node.ChildText("Key");
    version.version_id = node.ChildText("VersionId");
    if (version.key.empty()) return Malformed("ListObjectVersions", "an entry without a Key");
    version.is_latest = ParseBool(node.ChildText("IsLatest"));
    FERRY_ASSIGN_OR_RETURN(version.size, ParseSize(node, "ListObjectVersions"));
    version.etag = node.ChildText("ETag");
    version.last_modified = node.ChildText("LastModified");
    out.versions.push_back(std::move(version));
  }
  if (out.is_truncated && out.next_key_marker.empty()) {
    return Malformed("ListObjectVersions", "truncated without a NextKeyMarker");
  }
  return out;
}

Result<S3ObjectHead> S3Client::HeadObject(const std::string& bucket, const std::string& key,
                                          const std::string& version_id, std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(
      auto call, MakeCall("HeadObject", "HEAD", bucket, key, Query({{"versionId", version_id}})));
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(call, stop));
  return HeadFrom(result.response);
}

Result<S3GetResult> S3Client::GetObject(const std::string& bucket, const std::string& key,
                                        const std::string& version_id, size_t max_bytes,
                                        std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(
      auto call, MakeCall("GetObject", "GET", bucket, key, Query({{"versionId", version_id}})));
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(call, stop));
  if (result.response.body.size() > max_bytes) {
    return Error{ErrorCode::kPayloadTooLarge,
                 StrCat({"s3 GetObject: object of ", std::to_string(result.response.body.size()),
                         " bytes is over the limit of ", std::to_string(max_bytes)})};
  }
  S3GetResult out;
  out.head = HeadFrom(result.response);
  if (out.head.content_length != static_cast<int64_t>(result.response.body.size())) {
    return Malformed("GetObject", "body length differs from Content-Length (truncated)");
  }
  out.body = std::move(result.response.body);
  return out;
}

Result<PutObjectResult> S3Client::PutObject(const PutObjectRequest& request, std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(auto call, MakeCall("PutObject", "PUT", request.bucket, request.key, ""));
  call.body = request.body;
  call.headers.emplace_back("Content-Type", request.content_type.empty()
                                                ? "application/octet-stream"
                                                : request.content_type);
  for (const auto& [name, value] : request.metadata) {
    call.headers.emplace_back("x-amz-meta-" + ToLower(name), value);
  }
  FERRY_ASSIGN_OR_RETURN(auto result, service_.Call(call, stop));
  return PutObjectResult{result.response.Header("etag"), result.response.Header("x-amz-version-id"),
                         result.request_id};
}

}  // namespace ferry::aws
