#include "triggers/s3_object_lister.h"

#include "aws/endpoints.h"
#include "aws/s3_client.h"
#include "common/crypto.h"
#include "common/time.h"
#include "model/enums.h"
#include "model/json_codec.h"

namespace ferry::triggers {
namespace {

constexpr size_t kMaxArtifactBytes = size_t{256} * 1024 * 1024;

}  // namespace

Result<std::unique_ptr<aws::S3Client>> S3ObjectLister::ClientFor(const ListRequest& request) {
  if (request.cloud_provider.empty()) {
    return InvalidArgument("the artifact source names no cloud provider to read S3 with");
  }
  FERRY_ASSIGN_OR_RETURN(
      auto record,
      store_.entities().Get({std::string(model::StoreKindName(model::Kind::kCloudProvider)), "",
                             request.cloud_provider}));
  FERRY_ASSIGN_OR_RETURN(auto entity, model::EntityFromJson(record.spec_json));
  const auto* provider = std::get_if<model::CloudProvider>(&entity);
  if (provider == nullptr) return Internal("stored cloud provider does not decode");
  if (provider->credentials.mode != model::CredentialsMode::kDelegate || provider->assume_role) {
    return Error{ErrorCode::kUnimplemented,
                 "polling S3 with cloud provider " + provider->name +
                     "'s access keys or assumeRole is not yet implemented (the server lists "
                     "with its own credentials: use credentials.mode delegate)",
                 {}};
  }
  std::string region = request.region;
  if (region.empty()) region = provider->region.value_or(default_region_);
  std::string endpoint;
  aws::S3Options options;
  if (provider->endpoint) {
    endpoint = *provider->endpoint;
    options.path_style = true;
  } else {
    FERRY_ASSIGN_OR_RETURN(auto resolved, aws::ResolveEndpoint("s3", region));
    endpoint = resolved.url;
  }
  return std::make_unique<aws::S3Client>(aws::S3ServiceConfig(endpoint, region), deps_, options);
}

Result<std::string> S3ObjectLister::CodeSha256(const ListRequest& request, const std::string& key,
                                               const std::string& etag) {
  FERRY_ASSIGN_OR_RETURN(auto s3, ClientFor(request));
  FERRY_ASSIGN_OR_RETURN(auto object, s3->GetObject(request.bucket, key, "", kMaxArtifactBytes));
  if (!etag.empty() && object.head.etag != etag) {
    return Unavailable("the object changed while it was read; the next poll takes it");
  }
  return Base64Encode(Sha256(object.body));
}

Result<ListPage> S3ObjectLister::List(const ListRequest& request) {
  FERRY_ASSIGN_OR_RETURN(auto s3, ClientFor(request));
  aws::ListObjectsRequest list;
  list.bucket = request.bucket;
  list.prefix = request.prefix;
  list.start_after = request.start_after;
  list.continuation_token = request.continuation_token;
  FERRY_ASSIGN_OR_RETURN(auto result, s3->ListObjectsV2(list));
  ListPage out;
  for (auto& o : result.objects) {
    ListedObject listed;
    listed.key = std::move(o.key);
    listed.etag = std::move(o.etag);
    listed.size = o.size;
    auto modified = ParseRfc3339(o.last_modified);
    if (!modified) return Unavailable("S3 sent a LastModified that is not a date");
    listed.last_modified = *modified;
    out.objects.push_back(std::move(listed));
  }
  if (result.is_truncated) out.next_token = result.next_continuation_token;
  return out;
}

}  // namespace ferry::triggers
