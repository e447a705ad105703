// Object operations of the S3 sandbox: PutObject, CopyObject, GetObject/HeadObject, DeleteObject.
#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/s3/aws_chunked.h"
#include "sandbox/s3/checksums.h"
#include "sandbox/s3/s3_error.h"
#include "sandbox/s3/s3_payload.h"
#include "sandbox/s3/s3_service.h"
#include "sandbox/s3/s3_wire.h"

namespace ferry::sandbox::s3 {

Result<Response> S3Service::PutObject(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(ValidateKey(ctx.target.key));
  FERRY_ASSIGN_OR_RETURN(BucketInfo bucket,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  ObjectVersion meta;
  FERRY_RETURN_IF_ERROR(ReadMetadataHeaders(ctx.request, meta));
  FERRY_ASSIGN_OR_RETURN(std::string bytes, ReceivePayload(ctx.request, meta));

  std::string if_none_match = ctx.request.Header("if-none-match");
  std::string if_match = ctx.request.Header("if-match");
  if (!if_none_match.empty() || !if_match.empty()) {
    auto existing = store_->GetObject(ctx.caller.account_id, ctx.target.bucket, ctx.target.key,
                                      std::nullopt, nullptr);
    if ((!if_none_match.empty() && existing.ok() && EtagMatches(if_none_match, existing->etag)) ||
        (!if_match.empty() && (!existing.ok() || !EtagMatches(if_match, existing->etag)))) {
      return WithField(S3Error(412, "PreconditionFailed",
                               "At least one of the pre-conditions you specified did not hold"),
                       "Condition", if_none_match.empty() ? "If-Match" : "If-None-Match");
    }
  }
  FERRY_ASSIGN_OR_RETURN(ObjectVersion stored,
                         store_->PutObject(ctx.caller.account_id, ctx.target.bucket, ctx.target.key,
                                           std::move(meta), std::move(bytes)));
  Response response;
  response.headers.emplace_back("ETag", stored.etag);
  if (!bucket.versioning.empty())
    response.headers.emplace_back("x-amz-version-id", stored.version_id);
  if (!stored.checksum_algorithm.empty()) {
    auto algorithm = ParseChecksumAlgorithm(stored.checksum_algorithm);
    response.headers.emplace_back(ChecksumHeaderName(*algorithm), stored.checksum);
    response.headers.emplace_back("x-amz-checksum-type", "FULL_OBJECT");
  }
  return response;
}

Result<Response> S3Service::CopyObject(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(ValidateKey(ctx.target.key));
  FERRY_ASSIGN_OR_RETURN(BucketInfo bucket,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  std::string source = ctx.request.Header("x-amz-copy-source");
  std::optional<std::string> source_version;
  if (size_t q = source.find("?versionId="); q != std::string::npos) {
    source_version = source.substr(q + 11);
    source.resize(q);
  }
  auto decoded = PercentDecode(source);
  if (!decoded.ok())
    return InvalidArgumentError("Invalid copy source encoding", "x-amz-copy-source", source);
  std::string path = *decoded;
  if (path.starts_with("/")) path.erase(0, 1);
  size_t slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size()) {
    return InvalidArgumentError("Invalid copy source object key", "x-amz-copy-source", source);
  }
  std::string src_bucket = path.substr(0, slash);
  std::string src_key = path.substr(slash + 1);
  std::string bytes;
  auto src = store_->GetObject(ctx.caller.account_id, src_bucket, src_key, source_version, &bytes);
  if (!src.ok()) return src.error();

  std::string directive = ctx.request.Header("x-amz-metadata-directive");
  if (directive.empty()) directive = "COPY";
  if (directive != "COPY" && directive != "REPLACE") {
    return InvalidArgumentError("Unknown metadata directive.", "x-amz-metadata-directive",
                                directive);
  }
  if (src_bucket == ctx.target.bucket && src_key == ctx.target.key && directive == "COPY") {
    return S3Error(400, "InvalidRequest",
                   "This copy request is illegal because it is trying to copy an object to "
                   "itself without changing the object's metadata, storage class, website "
                   "redirect location or encryption attributes.");
  }
  ObjectVersion meta;
  if (directive == "COPY") {
    meta.content_type = src->content_type;
    meta.headers = src->headers;
    meta.metadata = src->metadata;
  } else {
    FERRY_RETURN_IF_ERROR(ReadMetadataHeaders(ctx.request, meta));
  }
  meta.checksum_algorithm = src->checksum_algorithm;
  meta.checksum = src->checksum;
  FERRY_ASSIGN_OR_RETURN(ObjectVersion stored,
                         store_->PutObject(ctx.caller.account_id, ctx.target.bucket, ctx.target.key,
                                           std::move(meta), std::move(bytes)));
  XmlWriter xml("CopyObjectResult");
  xml.Element("ETag", stored.etag).Element("LastModified", FormatIsoDate(stored.last_modified));
  if (!stored.checksum_algorithm.empty()) {
    xml.Element("Checksum" + stored.checksum_algorithm, stored.checksum);
  }
  Response response;
  response.headers.emplace_back("Content-Type", "application/xml");
  if (source_version || src->version_id != "null") {
    response.headers.emplace_back("x-amz-copy-source-version-id", src->version_id);
  }
  if (!bucket.versioning.empty())
    response.headers.emplace_back("x-amz-version-id", stored.version_id);
  response.body = xml.Finish();
  return response;
}

Result<Response> S3Service::GetObject(const Context& ctx, bool /*head*/) {
  const Request& request = ctx.request;
  std::optional<std::string> version_id;
  if (auto it = request.query.find("versionId"); it != request.query.end()) {
    version_id = it->second;
  }
  FERRY_ASSIGN_OR_RETURN(BucketInfo bucket,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  std::string bytes;
  FERRY_ASSIGN_OR_RETURN(ObjectVersion v,
                         store_->GetObject(ctx.caller.account_id, ctx.target.bucket, ctx.target.key,
                                           version_id, &bytes));
  Response response;
  auto add = [&](const std::string& name, const std::string& value) {
    response.headers.emplace_back(name, value);
  };
  add("ETag", v.etag);
  add("Last-Modified", FormatHttpDate(v.last_modified));
  if (!bucket.versioning.empty() || v.version_id != "null") add("x-amz-version-id", v.version_id);

  // Preconditions, in RFC 7232 order.
  std::string if_match = request.Header("if-match");
  std::string if_none_match = request.Header("if-none-match");
  auto since = ParseHttpDate(request.Header("if-modified-since"));
  auto unmodified = ParseHttpDate(request.Header("if-unmodified-since"));
  auto modified_after = [&](TimePoint t) {
    return std::chrono::floor<std::chrono::seconds>(v.last_modified) > t;
  };
  if ((!if_match.empty() && !EtagMatches(if_match, v.etag)) ||
      (if_match.empty() && unmodified && modified_after(*unmodified))) {
    return WithField(S3Error(412, "PreconditionFailed",
                             "At least one of the pre-conditions you specified did not hold"),
                     "Condition", !if_match.empty() ? "If-Match" : "If-Unmodified-Since");
  }
  if ((!if_none_match.empty() && EtagMatches(if_none_match, v.etag)) ||
      (if_none_match.empty() && since && !modified_after(*since))) {
    response.status = 304;
    return response;
  }

  add("Accept-Ranges", "bytes");
  add("Content-Type", v.content_type);
  for (const auto& [name, value] : v.headers) add(name, value);
  for (const auto& [name, value] : v.metadata) add(std::string(kMetaPrefix) + name, value);
  for (const char* name : {"content-type", "content-language", "expires", "cache-control",
                           "content-disposition", "content-encoding"}) {
    auto it = request.query.find("response-" + std::string(name));
    if (it == request.query.end()) continue;
    std::erase_if(response.headers, [&](const auto& h) { return EqualsIgnoreCase(h.first, name); });
    add(name, it->second);
  }

  uint64_t begin = 0;
  uint64_t end = v.size;  // exclusive
  std::string range = request.Header("range");
  bool partial = false;
  if (range.starts_with("bytes=") && range.find(',') == std::string::npos) {
    std::string spec = range.substr(6);
    size_t dash = spec.find('-');
    std::optional<int64_t> first, last;
    if (dash != std::string::npos) {
      if (dash > 0) first = ParseInt(spec.substr(0, dash));
      if (dash + 1 < spec.size()) last = ParseInt(spec.substr(dash + 1));
    }
    bool syntax_ok = dash != std::string::npos && (dash == 0 || first) &&
                     (dash + 1 == spec.size() || last) && (first || last) &&
                     (!first || *first >= 0) && (!last || *last >= 0) &&
                     (!first || !last || *last >= *first);
    if (syntax_ok) {  // S3 ignores a Range it cannot parse and returns the whole object
      if (first) {
        if (static_cast<uint64_t>(*first) >= v.size) {
          return WithField(
              WithField(S3Error(416, "InvalidRange", "The requested range is not satisfiable"),
                        "RangeRequested", range),
              "ActualObjectSize", std::to_string(v.size));
        }
        begin = static_cast<uint64_t>(*first);
        if (last) end = std::min<uint64_t>(v.size, static_cast<uint64_t>(*last) + 1);
      } else {
        if (*last == 0 || v.size == 0) {
          return WithField(
              WithField(S3Error(416, "InvalidRange", "The requested range is not satisfiable"),
                        "RangeRequested", range),
              "ActualObjectSize", std::to_string(v.size));
        }
        begin = v.size - std::min<uint64_t>(v.size, static_cast<uint64_t>(*last));
      }
      partial = true;
    }
  }
  if (partial) {
    response.status = 206;
    add("Content-Range", "bytes " + std::to_string(begin) + "-" + std::to_string(end - 1) + "/" +
                             std::to_string(v.size));
  } else if (!v.checksum_algorithm.empty() &&
             EqualsIgnoreCase(request.Header("x-amz-checksum-mode"), "ENABLED")) {
    add(ChecksumHeaderName(*ParseChecksumAlgorithm(v.checksum_algorithm)), v.checksum);
    add("x-amz-checksum-type", "FULL_OBJECT");
  }
  // HEAD carries the bytes too: the HTTP layer derives Content-Length from the body and, as HTTP
  // requires, sends no body for HEAD.
  response.body = partial ? bytes.substr(begin, end - begin) : std::move(bytes);
  return response;
}

Result<Response> S3Service::DeleteObject(const Context& ctx) {
  std::optional<std::string> version_id;
  if (auto it = ctx.request.query.find("versionId"); it != ctx.request.query.end()) {
    version_id = it->second;
  }
  FERRY_ASSIGN_OR_RETURN(
      DeleteOutcome outcome,
      store_->DeleteObject(ctx.caller.account_id, ctx.target.bucket, ctx.target.key, version_id));
  Response response;
  response.status = 204;
  if (outcome.delete_marker) response.headers.emplace_back("x-amz-delete-marker", "true");
  if (!outcome.version_id.empty()) {
    response.headers.emplace_back("x-amz-version-id", outcome.version_id);
  }
  return response;
}

}  // namespace ferry::sandbox::s3
