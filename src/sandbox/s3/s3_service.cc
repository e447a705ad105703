#include "sandbox/s3/s3_service.h"

#include <array>

#include "common/crypto.h"
#include "common/strings.h"
#include "sandbox/s3/s3_error.h"
#include "sandbox/s3/s3_wire.h"

namespace ferry::sandbox::s3 {
namespace {

// Query parameters that name an S3 sub-resource: their presence selects another operation.
constexpr std::array<std::string_view, 36> kSubresources = {"accelerate",   "acl",
                                                            "analytics",    "attributes",
                                                            "cors",         "delete",
                                                            "encryption",   "intelligent-tiering",
                                                            "inventory",    "legal-hold",
                                                            "lifecycle",    "location",
                                                            "logging",      "metadataConfiguration",
                                                            "metrics",      "notification",
                                                            "object-lock",  "ownershipControls",
                                                            "partNumber",   "policy",
                                                            "policyStatus", "publicAccessBlock",
                                                            "replication",  "requestPayment",
                                                            "restore",      "retention",
                                                            "select",       "session",
                                                            "tagging",      "torrent",
                                                            "uploadId",     "uploads",
                                                            "versioning",   "versions",
                                                            "website",      "renameObject"};

bool IsIpv4(std::string_view host) {
  auto parts = Split(host, '.');
  if (parts.size() != 4) return false;
  for (const auto& p : parts) {
    auto n = ParseInt(p);
    if (p.empty() || p.size() > 3 || !n || *n < 0 || *n > 255) return false;
  }
  return true;
}

std::string HostWithoutPort(std::string host) {
  if (!host.empty() && host.front() == '[') {  // IPv6 literal
    size_t close = host.find(']');
    return close == std::string::npos ? host : host.substr(0, close + 1);
  }
  size_t colon = host.rfind(':');
  if (colon != std::string::npos) host.resize(colon);
  return ToLower(host);
}

}  // namespace

S3Service::S3Service(S3Options options, const Clock& clock, IdGenerator& ids,
                     std::unique_ptr<ObjectStore> store)
    : options_(std::move(options)),
      clock_(clock),
      ids_(ids),
      store_(std::move(store)),
      uploads_(options_.max_object_size, options_.max_upload_bytes_held) {}

Result<std::unique_ptr<S3Service>> S3Service::Create(S3Options options, const Clock& clock,
                                                     IdGenerator& ids) {
  ObjectStore::Options store_options{options.data_dir, options.max_object_size};
  FERRY_ASSIGN_OR_RETURN(auto store, ObjectStore::Open(store_options, clock, ids));
  return std::unique_ptr<S3Service>(
      new S3Service(std::move(options), clock, ids, std::move(store)));
}

std::string S3Service::OwnerId(const std::string& account) const {
  return Sha256Hex("ferry-sandbox-canonical-user:" + account);
}

Result<S3Service::Target> S3Service::ResolveTarget(const Request& request) const {
  std::string host = HostWithoutPort(request.host.empty() ? request.Header("host") : request.host);
  std::string virtual_bucket;
  if (!IsIpv4(host) && host != "localhost" && host != "s3.localhost") {
    std::vector<std::string> suffixes = {".s3.localhost", ".localhost"};
    for (const auto& s : options_.virtual_host_suffixes) suffixes.push_back("." + ToLower(s));
    for (const auto& suffix : suffixes) {
      if (host.size() > suffix.size() && host.ends_with(suffix)) {
        virtual_bucket = host.substr(0, host.size() - suffix.size());
        break;
      }
    }
    if (virtual_bucket.empty() && host.ends_with(".amazonaws.com")) {
      for (std::string_view marker : {".s3.", ".s3-"}) {
        size_t pos = host.find(marker);
        if (pos != std::string::npos && pos > 0) {
          virtual_bucket = host.substr(0, pos);
          break;
        }
      }
    }
    if (virtual_bucket.empty()) {
      // "bucket.127.0.0.1": a bucket label in front of an IPv4 literal.
      size_t dots = 0;
      for (size_t i = host.size(); i-- > 0;) {
        if (host[i] == '.' && ++dots == 4) {
          if (i > 0 && IsIpv4(host.substr(i + 1))) virtual_bucket = host.substr(0, i);
          break;
        }
      }
    }
  }

  std::string raw = request.raw_path.empty() ? request.path : request.raw_path;
  size_t q = raw.find('?');
  if (q != std::string::npos) raw.resize(q);
  if (raw.empty() || raw.front() != '/') raw.insert(raw.begin(), '/');
  Target target;
  auto invalid_uri = [&](const Error& e) {
    return WithField(S3Error(400, "InvalidURI", "Couldn't parse the specified URI. " + e.message),
                     "URI", raw);
  };
  if (!virtual_bucket.empty()) {
    target.bucket = virtual_bucket;
    auto key = PercentDecode(std::string_view(raw).substr(1));
    if (!key.ok()) return invalid_uri(key.error());
    target.key = std::move(key).value();
    return target;
  }
  std::string_view rest = std::string_view(raw).substr(1);
  size_t slash = rest.find('/');
  auto bucket = PercentDecode(rest.substr(0, slash));
  if (!bucket.ok()) return invalid_uri(bucket.error());
  target.bucket = std::move(bucket).value();
  if (slash != std::string_view::npos) {
    auto key = PercentDecode(rest.substr(slash + 1));
    if (!key.ok()) return invalid_uri(key.error());
    target.key = std::move(key).value();
  }
  return target;
}

std::string S3Service::RouteOperation(const Request& request, const Target& target) const {
  auto has = [&](std::string_view name) { return request.query.count(std::string(name)) > 0; };
  std::string subresource;
  for (auto name : kSubresources) {
    if (has(name)) {
      subresource = name;
      break;
    }
  }
  const std::string& m = request.method;
  if (target.bucket.empty()) return m == "GET" && subresource.empty() ? "ListBuckets" : "";
  if (target.key.empty()) {
    if (m == "PUT") {
      if (subresource == "versioning") return "PutBucketVersioning";
      return subresource.empty() ? "CreateBucket" : "";
    }
    if (m == "GET") {
      if (subresource == "versioning") return "GetBucketVersioning";
      if (subresource == "versions") return "ListObjectVersions";
      if (subresource == "location") return "GetBucketLocation";
      if (!subresource.empty()) return "";
      auto list_type = request.query.find("list-type");
      if (list_type != request.query.end()) return list_type->second == "2" ? "ListObjectsV2" : "";
      return "ListObjects";
    }
    if (!subresource.empty()) return m == "POST" && subresource == "delete" ? "DeleteObjects" : "";
    if (m == "HEAD") return "HeadBucket";
    if (m == "DELETE") return "DeleteBucket";
    return "";
  }
  if (has("uploadId")) {
    if (m == "PUT") return request.headers.count("x-amz-copy-source") ? "" : "UploadPart";
    if (m == "POST") return "CompleteMultipartUpload";
    if (m == "DELETE") return "AbortMultipartUpload";
    return "";
  }
  if (subresource == "uploads") return m == "POST" ? "CreateMultipartUpload" : "";
  if (!subresource.empty()) return "";
  if (m == "PUT") return request.headers.count("x-amz-copy-source") ? "CopyObject" : "PutObject";
  if (m == "GET") return "GetObject";
  if (m == "HEAD") return "HeadObject";
  if (m == "DELETE") return "DeleteObject";
  return "";
}

std::string S3Service::OperationName(const Request& request) {
  auto target = ResolveTarget(request);
  if (!target.ok()) return "";
  return RouteOperation(request, *target);
}

Result<Response> S3Service::Dispatch(const std::string& op, const Context& ctx) {
  if (op == "ListBuckets") return ListBuckets(ctx);
  if (op == "CreateBucket") return CreateBucket(ctx);
  if (op == "HeadBucket") return HeadBucket(ctx);
  if (op == "DeleteBucket") return DeleteBucket(ctx);
  if (op == "GetBucketLocation") return GetBucketLocation(ctx);
  if (op == "PutBucketVersioning") return PutBucketVersioning(ctx);
  if (op == "GetBucketVersioning") return GetBucketVersioning(ctx);
  if (op == "DeleteObjects") return DeleteObjects(ctx);
  if (op == "ListObjects") return ListObjects(ctx, false);
  if (op == "ListObjectsV2") return ListObjects(ctx, true);
  if (op == "ListObjectVersions") return ListObjectVersions(ctx);
  if (op == "PutObject") return PutObject(ctx);
  if (op == "CopyObject") return CopyObject(ctx);
  if (op == "GetObject") return GetObject(ctx, false);
  if (op == "HeadObject") return GetObject(ctx, true);
  if (op == "DeleteObject") return DeleteObject(ctx);
  if (op == "CreateMultipartUpload") return CreateMultipartUpload(ctx);
  if (op == "UploadPart") return UploadPart(ctx);
  if (op == "CompleteMultipartUpload") return CompleteMultipartUpload(ctx);
  if (op == "AbortMultipartUpload") return AbortMultipartUpload(ctx);
  if (ctx.request.method != "GET" && ctx.request.method != "PUT" && ctx.request.method != "POST" &&
      ctx.request.method != "DELETE" && ctx.request.method != "HEAD") {
    return WithField(WithField(S3Error(405, "MethodNotAllowed",
                                       "The specified method is not allowed against this "
                                       "resource."),
                               "Method", ctx.request.method),
                     "ResourceType", ctx.target.key.empty() ? "BUCKET" : "OBJECT");
  }
  return S3Error(501, "NotImplemented",
                 "A header or query you provided implies functionality that is not implemented "
                 "by ferry sandbox");
}

Response S3Service::Handle(const Request& request, const Caller& caller) {
  std::string request_id = ids_.NewId();
  Response response;
  auto target = ResolveTarget(request);
  if (!target.ok()) {
    response = ErrorResponse(request, target.error(), request_id);
  } else {
    Context ctx{request, caller, *target, request_id};
    auto result = Dispatch(RouteOperation(request, *target), ctx);
    response = result.ok() ? std::move(result).value()
                           : ErrorResponse(request, result.error(), request_id);
  }
  response.headers.emplace_back("x-amz-request-id", request_id);
  response.headers.emplace_back("x-amz-id-2", Base64Encode(Sha256(request_id)));
  response.headers.emplace_back("Server", "AmazonS3");
  return response;
}

Response S3Service::ErrorResponse(const Request& request, const Error& error,
                                  const std::string& request_id) const {
  Response response;
  response.status = S3Status(error);
  for (const auto& [name, value] : error.details) {
    if (name.starts_with("header.")) response.headers.emplace_back(name.substr(7), value);
  }
  if (request.method == "HEAD") return response;  // S3 sends no body with a HEAD error
  XmlWriter xml("Error", /*with_namespace=*/false);
  xml.Element("Code", S3Code(error)).Element("Message", error.message);
  for (const auto& [name, value] : error.details) {
    if (name.starts_with("field.")) xml.Element(name.substr(6), value);
  }
  xml.Element("RequestId", request_id).Element("HostId", Base64Encode(Sha256(request_id)));
  response.headers.emplace_back("Content-Type", "application/xml");
  response.body = xml.Finish();
  return response;
}

Response S3Service::RenderError(const Request& request, const WireError& error) {
  std::string request_id = error.request_id.empty() ? ids_.NewId() : error.request_id;
  Response response =
      ErrorResponse(request, S3Error(error.status, error.code, error.message), request_id);
  response.headers.emplace_back("x-amz-request-id", request_id);
  response.headers.emplace_back("x-amz-id-2", Base64Encode(Sha256(request_id)));
  return response;
}

Result<std::string> S3Service::ReadObject(const std::string& account_id, const std::string& bucket,
                                          const std::string& key,
                                          const std::optional<std::string>& version_id) {
  std::string bytes;
  auto found = store_->GetObject(account_id, bucket, key, version_id, &bytes);
  if (!found.ok()) {
    std::string code = S3Code(found.error());
    if (code == "NoSuchBucket" || code == "NoSuchKey" || code == "NoSuchVersion" ||
        code == "MethodNotAllowed") {
      return NotFound(code + ": s3://" + bucket + "/" + key +
                      (version_id ? " version " + *version_id : ""));
    }
    if (code == "AccessDenied") {
      return Error{ErrorCode::kPermissionDenied, "access denied to s3://" + bucket + "/" + key, {}};
    }
    return found.error();
  }
  return bytes;
}

}  // namespace ferry::sandbox::s3
