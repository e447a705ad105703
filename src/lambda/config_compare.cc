#include "lambda/config_compare.h"

#include <algorithm>
#include <cmath>

namespace ferry::lambda {
namespace {

std::vector<std::string> SortedUnique(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

const AliasState* ObservedFunction::FindAlias(const std::string& name) const {
  for (const auto& alias : aliases) {
    if (alias.name == name) return &alias;
  }
  return nullptr;
}

const VersionInfo* ObservedFunction::FindVersion(const std::string& version) const {
  for (const auto& v : versions) {
    if (v.version == version) return &v;
  }
  return nullptr;
}

std::optional<uint64_t> ParseVersionNumber(const std::string& version) {
  if (version.empty() || version.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : version) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n == 0) return std::nullopt;  // Lambda numbers versions from 1
  return n;
}

bool VersionLess(const std::string& a, const std::string& b) {
  auto na = ParseVersionNumber(a);
  auto nb = ParseVersionNumber(b);
  if (na && nb) return *na < *nb;
  if (!na && !nb) return a < b;
  return !na;  // non-numeric first
}

FunctionConfig Normalize(const FunctionConfig& config) {
  FunctionConfig n = config;
  if (n.package_type.empty()) n.package_type = "Zip";
  if (n.architectures.empty()) n.architectures = {"x86_64"};
  if (n.tracing_mode.empty()) n.tracing_mode = "PassThrough";
  n.vpc.subnet_ids = SortedUnique(n.vpc.subnet_ids);
  n.vpc.security_group_ids = SortedUnique(n.vpc.security_group_ids);
  // Lambda rejects a VPC config with subnets but no security groups (and vice versa), and reports
  // a function outside any VPC with empty lists: both halves empty is "no VPC".
  return n;
}

std::vector<std::string> ConfigDifferences(const FunctionConfig& desired_raw,
                                           const FunctionConfig& current_raw) {
  const FunctionConfig d = Normalize(desired_raw);
  const FunctionConfig c = Normalize(current_raw);
  std::vector<std::string> diff;
  if (d.runtime != c.runtime) diff.push_back("Runtime");
  if (d.handler != c.handler) diff.push_back("Handler");
  if (d.role != c.role) diff.push_back("Role");
  if (d.description != c.description) diff.push_back("Description");
  if (d.memory_mb != c.memory_mb) diff.push_back("MemorySize");
  if (d.timeout_seconds != c.timeout_seconds) diff.push_back("Timeout");
  if (d.ephemeral_storage_mb != c.ephemeral_storage_mb) diff.push_back("EphemeralStorage");
  if (d.layers != c.layers) diff.push_back("Layers");
  if (d.environment != c.environment) diff.push_back("Environment");
  if (d.vpc.subnet_ids != c.vpc.subnet_ids ||
      d.vpc.security_group_ids != c.vpc.security_group_ids) {
    diff.push_back("VpcConfig");
  }
  if (d.tracing_mode != c.tracing_mode) diff.push_back("TracingConfig");
  if (d.kms_key_arn != c.kms_key_arn) diff.push_back("KMSKeyArn");
  if (d.dead_letter_target != c.dead_letter_target) diff.push_back("DeadLetterConfig");
  return diff;
}

bool ArchitecturesDiffer(const FunctionConfig& desired, const FunctionConfig& current) {
  return Normalize(desired).architectures != Normalize(current).architectures;
}

bool VersionMatches(const VersionInfo& version, const std::string& code_sha256,
                    const FunctionConfig& desired) {
  // A version's Description is the one given to PublishVersion ("ferry execution ..."), not the
  // function's: it says nothing about whether the version runs the desired configuration.
  FunctionConfig published = version.config;
  published.description = desired.description;
  return !code_sha256.empty() && version.code_sha256 == code_sha256 &&
         ConfigDifferences(desired, published).empty() && !ArchitecturesDiffer(desired, published);
}

std::map<std::string, std::string> MergeManaged(const std::map<std::string, std::string>& current,
                                                const std::map<std::string, std::string>& declared,
                                                const std::set<std::string>& previously_managed) {
  std::map<std::string, std::string> merged;
  for (const auto& [key, value] : current) {
    if (previously_managed.count(key) && !declared.count(key)) continue;
    merged[key] = value;
  }
  for (const auto& [key, value] : declared) merged[key] = value;
  return merged;
}

FunctionConfig EffectiveConfig(const DesiredFunction& desired, const ObservedFunction& current) {
  FunctionConfig config = desired.config;
  if (current.exists) {
    config.environment = MergeManaged(current.config.environment, desired.config.environment,
                                      desired.previously_managed_environment);
  }
  return config;
}

bool SameWeights(const RoutingWeights& a, const RoutingWeights& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || std::fabs(ia->second - ib->second) > 1e-9) return false;
  }
  return true;
}

}  // namespace ferry::lambda
