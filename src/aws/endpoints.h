// Endpoints: which URL and signing region a service call goes to.
//
// Covers the partitions Ferry supports — aws (amazonaws.com), aws-cn (amazonaws.com.cn) and
// aws-us-gov (amazonaws.com) — with FIPS and dual-stack variants, S3 virtual-hosted and path
// style, global services (STS's legacy global endpoint is not used: calls go to the regional
// endpoint, as AWS recommends), and a per-connection override for AWS-compatible endpoints (ferry
// sandbox, LocalStack, moto), which then receive every service on one URL.
//
// Regions are validated strictly (lower-case letters, digits and '-', shaped like
// "us-east-1"), so nothing from configuration can inject a host ("evil.com/") into a URL.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::aws {

enum class Partition { kAws, kAwsCn, kAwsUsGov };

struct EndpointOptions {
  bool use_fips = false;
  bool use_dual_stack = false;
  // S3: put the bucket in the path instead of the host. Forced for overrides, for bucket names
  // that are not DNS-compatible (dots break TLS wildcard certificates) and for FIPS+dots.
  bool s3_force_path_style = false;
  // "http://127.0.0.1:4566" (no path, query or credentials). Empty: AWS's endpoints.
  std::string override_url;
};

struct ResolvedEndpoint {
  std::string url;             // scheme://host[:port], no trailing slash
  std::string signing_region;  // region used in the SigV4 scope
  std::string signing_name;    // SigV4 service name, e.g. "monitoring" for CloudWatch
  Partition partition = Partition::kAws;
};

// kInvalidArgument unless the region looks like an AWS region ("us-east-1", "cn-north-1",
// "us-gov-west-1", "eu-central-2", "ap-southeast-4", "il-central-1", "us-isob-east-1" is rejected
// as an unsupported partition).
Status ValidateRegion(std::string_view region);
// The partition a (valid) region belongs to.
Partition PartitionOf(std::string_view region);
std::string_view PartitionName(Partition partition);  // "aws", "aws-cn", "aws-us-gov"

// Validates an override URL: http or https, a host, an optional port, nothing else.
Status ValidateEndpointOverride(std::string_view url);

// service: the endpoint prefix — "lambda", "s3", "sts", "monitoring" (CloudWatch), "logs",
// "cloudformation". kInvalidArgument for a bad region, override or service name, and for
// variants a partition does not offer (FIPS in aws-cn).
Result<ResolvedEndpoint> ResolveEndpoint(std::string_view service, std::string_view region,
                                         const EndpointOptions& options = {});

// S3 bucket addressing. Returns the base URL for requests on `bucket`: virtual-hosted
// "https://bucket.s3.region.amazonaws.com" or path-style "https://s3.region.amazonaws.com/bucket".
// kInvalidArgument for names that are not valid S3 bucket names.
Result<ResolvedEndpoint> ResolveS3BucketEndpoint(std::string_view bucket, std::string_view region,
                                                 const EndpointOptions& options = {});

}  // namespace ferry::aws
