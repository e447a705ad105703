// Multipart upload operations of the S3 sandbox.
#include "common/strings.h"
#include "sandbox/s3/s3_error.h"
#include "sandbox/s3/s3_payload.h"
#include "sandbox/s3/s3_service.h"
#include "sandbox/s3/s3_wire.h"

namespace ferry::sandbox::s3 {
namespace {

constexpr size_t kMaxCompleteDocument = 2 * 1024 * 1024;

std::string Param(const Request& request, const std::string& name) {
  auto it = request.query.find(name);
  return it == request.query.end() ? std::string() : it->second;
}

Error MalformedXml() {
  return S3Error(400, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema");
}

}  // namespace

Result<Response> S3Service::CreateMultipartUpload(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(ValidateKey(ctx.target.key));
  FERRY_RETURN_IF_ERROR(store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  ObjectVersion meta;
  FERRY_RETURN_IF_ERROR(ReadMetadataHeaders(ctx.request, meta));
  std::string upload_id = ids_.NewId();
  uploads_.Begin(upload_id, {ctx.caller.account_id, ctx.target.bucket, ctx.target.key},
                 std::move(meta));
  XmlWriter xml("InitiateMultipartUploadResult");
  xml.Element("Bucket", ctx.target.bucket)
      .Element("Key", ctx.target.key)
      .Element("UploadId", upload_id);
  Response response;
  response.headers.emplace_back("Content-Type", "application/xml");
  response.body = xml.Finish();
  return response;
}

Result<Response> S3Service::UploadPart(const Context& ctx) {
  auto number = ParseInt(Param(ctx.request, "partNumber"));
  if (!number) {
    return InvalidArgumentError("Part number must be an integer between 1 and 10000, inclusive",
                                "partNumber", Param(ctx.request, "partNumber"));
  }
  ObjectVersion ignored;
  FERRY_ASSIGN_OR_RETURN(std::string bytes, ReceivePayload(ctx.request, ignored));
  FERRY_ASSIGN_OR_RETURN(
      std::string etag,
      uploads_.PutPart({ctx.caller.account_id, ctx.target.bucket, ctx.target.key},
                       Param(ctx.request, "uploadId"), *number, std::move(bytes)));
  Response response;
  response.headers.emplace_back("ETag", etag);
  return response;
}

Result<Response> S3Service::CompleteMultipartUpload(const Context& ctx) {
  if (ctx.request.body.size() > kMaxCompleteDocument) return MalformedXml();
  auto doc = ParseRequestXml(ctx.request.body);
  if (!doc.ok() || doc->root_name != "CompleteMultipartUpload") return MalformedXml();
  std::vector<std::pair<int64_t, std::string>> parts;
  for (const auto& fields : doc->parts) {
    std::optional<int64_t> number;
    std::string etag;
    for (const auto& [name, text] : fields) {
      if (name == "PartNumber") number = ParseInt(text);
      if (name == "ETag") etag = text;
    }
    if (!number) return MalformedXml();
    parts.emplace_back(*number, etag);
  }
  if (parts.empty()) return MalformedXml();
  UploadTarget target{ctx.caller.account_id, ctx.target.bucket, ctx.target.key};
  FERRY_ASSIGN_OR_RETURN(
      AssembledObject object,
      uploads_.Complete(target, Param(ctx.request, "uploadId"), parts, options_.min_part_size));
  FERRY_ASSIGN_OR_RETURN(BucketInfo bucket,
                         store_->GetBucket(ctx.caller.account_id, ctx.target.bucket));
  FERRY_ASSIGN_OR_RETURN(ObjectVersion stored,
                         store_->PutObject(ctx.caller.account_id, ctx.target.bucket, ctx.target.key,
                                           std::move(object.meta), std::move(object.bytes)));
  XmlWriter xml("CompleteMultipartUploadResult");
  xml.Element("Location", "/" + ctx.target.bucket + "/" + UrlEncodeKey(ctx.target.key))
      .Element("Bucket", ctx.target.bucket)
      .Element("Key", ctx.target.key)
      .Element("ETag", stored.etag);
  Response response;
  response.headers.emplace_back("Content-Type", "application/xml");
  if (!bucket.versioning.empty()) {
    response.headers.emplace_back("x-amz-version-id", stored.version_id);
  }
  response.body = xml.Finish();
  return response;
}

Result<Response> S3Service::AbortMultipartUpload(const Context& ctx) {
  FERRY_RETURN_IF_ERROR(uploads_.Abort({ctx.caller.account_id, ctx.target.bucket, ctx.target.key},
                                       Param(ctx.request, "uploadId")));
  Response response;
  response.status = 204;
  return response;
}

}  // namespace ferry::sandbox::s3
