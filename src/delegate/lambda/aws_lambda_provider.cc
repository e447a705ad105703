#include "delegate/lambda/aws_lambda_provider.h"

#include "common/strings.h"

namespace ferry::delegate::lambda {
namespace {

bool ValidRegion(const std::string& region) {
  if (region.empty() || region.size() > 32) return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool ValidEndpoint(const std::string& endpoint) {
  if (endpoint.size() > 512) return false;
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) return false;
  for (char c : endpoint) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\') return false;
  }
  return endpoint.back() != '/';
}

}  // namespace

AwsLambdaApiProvider::AwsLambdaApiProvider(aws::HttpTransport& transport,
                                           aws::CredentialsProvider& credentials, Clock& clock,
                                           IdGenerator& ids, aws::RateLimiterRegistry& limiters,
                                           aws::RetryQuota& retry_quota, WaiterOptions waiter,
                                           aws::RetryOptions retry)
    : transport_(transport),
      credentials_(credentials),
      clock_(clock),
      ids_(ids),
      limiters_(limiters),
      retry_quota_(retry_quota),
      waiter_(waiter),
      retry_(retry) {}

Result<LambdaApi*> AwsLambdaApiProvider::For(const LambdaTarget& target) {
  if (!ValidRegion(target.region)) {
    return Error{ErrorCode::kInvalidArgument, "invalid region " + QuoteForMessage(target.region)};
  }
  if (!target.endpoint.empty() && !ValidEndpoint(target.endpoint)) {
    return Error{ErrorCode::kInvalidArgument,
                 "invalid endpoint " + QuoteForMessage(target.endpoint) +
                     " (http(s)://host[:port] without a trailing slash)"};
  }
  if (!target.cloud_provider.empty()) {
    return Error{ErrorCode::kUnimplemented,
                 "cloud provider " + QuoteForMessage(target.cloud_provider) +
                     ": per-connection credentials are not supported by this delegate yet"};
  }
  std::string endpoint = target.endpoint.empty()
                             ? "https://lambda." + target.region + ".amazonaws.com"
                             : target.endpoint;
  std::lock_guard lock(mu_);
  auto key = std::make_pair(target.region, endpoint);
  auto it = apis_.find(key);
  if (it == apis_.end()) {
    Entry entry;
    aws::ServiceConfig config = aws::LambdaServiceConfig(endpoint, target.region);
    config.retry = retry_;
    entry.client = std::make_unique<aws::LambdaClient>(
        config, aws::ServiceDeps{transport_, credentials_, clock_, ids_, limiters_, retry_quota_});
    entry.api = std::make_unique<AwsLambdaApi>(*entry.client, clock_, waiter_);
    it = apis_.emplace(key, std::move(entry)).first;
  }
  return static_cast<LambdaApi*>(it->second.api.get());
}

}  // namespace ferry::delegate::lambda
