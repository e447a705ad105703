// ObjectLister over aws::S3Client (library ferry_triggers_aws): ListObjectsV2 and GetObject at the
// artifact source's cloud provider (its endpoint override with path-style addressing, else AWS's S3
// endpoint of the source's or provider's region).
//
// The server lists with its own AWS credentials (the process's credential chain, or `ferry up`'s
// sandbox credentials), so only cloud providers with `credentials.mode: delegate` and no
// assumeRole can be polled; the others get kUnimplemented ("not yet": listing through a delegate
// task). Thread-safe; `store` and the deps must outlive it.
#pragma once

#include <memory>
#include <string>

#include "aws/s3_client.h"
#include "aws/service_client.h"
#include "store/store.h"
#include "triggers/artifact_poll.h"

namespace ferry::triggers {

class S3ObjectLister final : public ObjectLister {
 public:
  S3ObjectLister(store::Store& store, aws::ServiceDeps deps, std::string default_region)
      : store_(store), deps_(deps), default_region_(std::move(default_region)) {}
  Result<ListPage> List(const ListRequest& request) override;
  Result<std::string> CodeSha256(const ListRequest& request, const std::string& key,
                                 const std::string& etag) override;

 private:
  // The client for the request's cloud provider and region.
  Result<std::unique_ptr<aws::S3Client>> ClientFor(const ListRequest& request);

  store::Store& store_;
  const aws::ServiceDeps deps_;
  const std::string default_region_;
};

}  // namespace ferry::triggers
