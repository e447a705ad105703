#include "lambda/deploy_plan.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "lambda/config_compare.h"

namespace ferry::lambda {
namespace {

constexpr int kMaxPlanSteps = 256;

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

bool ValidAliasName(const std::string& name) {
  // Lambda: (?!^[0-9]+$)([a-zA-Z0-9-_]+), 1..128 characters.
  if (name.empty() || name.size() > 128) return false;
  bool all_digits = true;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
    if (c < '0' || c > '9') all_digits = false;
  }
  return !all_digits;
}

// The aliases in declaration order, without repeats.
std::vector<std::string> UniqueAliases(const std::vector<std::string>& aliases) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& a : aliases) {
    if (seen.insert(a).second) out.push_back(a);
  }
  return out;
}

// The newest published version holding exactly this code and configuration, or "".
std::string MatchingVersion(const ObservedFunction& current, const std::string& sha,
                            const FunctionConfig& config) {
  std::string best;
  for (const auto& v : current.versions) {
    if (!ParseVersionNumber(v.version)) continue;
    if (VersionMatches(v, sha, config) && (best.empty() || VersionLess(best, v.version))) {
      best = v.version;
    }
  }
  return best;
}

DeployAction Make(DeployActionKind kind, const DesiredFunction& desired, std::string reason) {
  DeployAction a;
  a.kind = kind;
  a.function_name = desired.function_name;
  a.reason = std::move(reason);
  return a;
}

std::string Short(const std::string& id) { return id.size() > 12 ? id.substr(0, 12) + "…" : id; }

}  // namespace

std::string_view DeployActionName(DeployActionKind kind) {
  switch (kind) {
    case DeployActionKind::kCreateFunction:
      return "CreateFunction";
    case DeployActionKind::kWaitUntilActive:
      return "WaitUntilActive";
    case DeployActionKind::kWaitUntilUpdated:
      return "WaitUntilUpdated";
    case DeployActionKind::kResolveCodeSha:
      return "UpdateFunctionCode(DryRun)";
    case DeployActionKind::kUpdateCode:
      return "UpdateFunctionCode";
    case DeployActionKind::kUpdateConfiguration:
      return "UpdateFunctionConfiguration";
    case DeployActionKind::kPublishVersion:
      return "PublishVersion";
    case DeployActionKind::kCreateAlias:
      return "CreateAlias";
    case DeployActionKind::kUpdateAlias:
      return "UpdateAlias";
    case DeployActionKind::kUntagResource:
      return "UntagResource";
    case DeployActionKind::kTagResource:
      return "TagResource";
    case DeployActionKind::kDone:
      return "Done";
  }
  return "?";
}

bool IsMutating(DeployActionKind kind) {
  switch (kind) {
    case DeployActionKind::kCreateFunction:
    case DeployActionKind::kUpdateCode:
    case DeployActionKind::kUpdateConfiguration:
    case DeployActionKind::kPublishVersion:
    case DeployActionKind::kCreateAlias:
    case DeployActionKind::kUpdateAlias:
    case DeployActionKind::kUntagResource:
    case DeployActionKind::kTagResource:
      return true;
    default:
      return false;
  }
}

Status ValidateDesired(const DesiredFunction& d) {
  if (d.function_name.empty()) return Invalid("the function has no name");
  if (d.function_name.size() > 140) {
    return Invalid("function name " + QuoteForMessage(d.function_name) + " is longer than 140");
  }
  const auto& code = d.code;
  int sources = (!code.zip_file.empty() ? 1 : 0) + (!code.image_uri.empty() ? 1 : 0) +
                (!code.s3_bucket.empty() || !code.s3_key.empty() ? 1 : 0);
  if (sources != 1) {
    return Invalid("function " + d.function_name +
                   ": exactly one code source is needed (zip file, S3 object or image)");
  }
  if (!code.s3_bucket.empty() != !code.s3_key.empty()) {
    return Invalid("function " + d.function_name + ": an S3 code source needs a bucket and a key");
  }
  const bool image = d.config.package_type == "Image";
  if (!image && d.config.package_type != "Zip" && !d.config.package_type.empty()) {
    return Invalid("function " + d.function_name + ": unknown package type " +
                   QuoteForMessage(d.config.package_type));
  }
  if (image != !code.image_uri.empty()) {
    return Invalid("function " + d.function_name +
                   ": Image functions take an image URI and Zip functions a zip package");
  }
  if (!image && (d.config.runtime.empty() || d.config.handler.empty())) {
    return Invalid("function " + d.function_name +
                   ": a Zip function needs a runtime and a handler");
  }
  if (d.config.role.empty()) {
    return Invalid("function " + d.function_name +
                   ": no execution role (set the infrastructure's "
                   "executionRole)");
  }
  if (d.config.architectures.size() > 1) {
    return Invalid("function " + d.function_name + ": Lambda takes exactly one architecture");
  }
  for (const auto& alias : d.aliases) {
    if (!ValidAliasName(alias)) {
      return Invalid("function " + d.function_name + ": invalid alias name " +
                     QuoteForMessage(alias) + " (letters, digits, - and _, not only digits)");
    }
  }
  for (const auto& [key, value] : d.tags) {
    if (key.empty() || key.rfind("aws:", 0) == 0) {
      return Invalid("function " + d.function_name + ": tag key " + QuoteForMessage(key) +
                     " is reserved or empty");
    }
  }
  return Ok();
}

Result<DeployAction> NextDeployAction(const DesiredFunction& desired,
                                      const ObservedFunction& current) {
  FERRY_RETURN_IF_ERROR(ValidateDesired(desired));

  if (!current.exists) {
    DeployAction a =
        Make(DeployActionKind::kCreateFunction, desired, "the function does not exist");
    a.config = desired.config;
    a.code = desired.code;
    a.tags = desired.tags;
    return a;
  }
  if (current.state == "Failed") {
    return Error{ErrorCode::kFailedPrecondition,
                 "function " + desired.function_name + " is in state Failed" +
                     (current.state_reason.empty() ? "" : ": " + current.state_reason)};
  }
  if (Normalize(current.config).package_type != Normalize(desired.config).package_type) {
    return Error{ErrorCode::kFailedPrecondition,
                 "function " + desired.function_name + " has package type " +
                     current.config.package_type + "; Lambda cannot change it to " +
                     Normalize(desired.config).package_type};
  }
  // Never send a change while one is in progress: Lambda answers ResourceConflictException.
  if (current.state == "Pending") {
    return Make(DeployActionKind::kWaitUntilActive, desired, "the function is Pending");
  }
  if (current.last_update_status == "InProgress") {
    return Make(DeployActionKind::kWaitUntilUpdated, desired, "an update is in progress");
  }

  const FunctionConfig config = EffectiveConfig(desired, current);
  const std::string& sha = desired.code.code_sha256;
  if (sha.empty()) {
    DeployAction a =
        Make(DeployActionKind::kResolveCodeSha, desired, "the artifact's CodeSha256 is not known");
    a.code = desired.code;
    a.config.architectures = config.architectures;
    return a;
  }
  if (sha != current.code_sha256 || ArchitecturesDiffer(config, current.config)) {
    DeployAction a =
        Make(DeployActionKind::kUpdateCode, desired,
             sha != current.code_sha256 ? "the CodeSha256 differs" : "the architecture differs");
    a.code = desired.code;
    a.config.architectures = Normalize(config).architectures;
    a.revision_id = current.revision_id;
    return a;
  }
  if (auto diff = ConfigDifferences(config, current.config); !diff.empty()) {
    DeployAction a = Make(DeployActionKind::kUpdateConfiguration, desired,
                          "configuration differs: " + Join(diff, ", "));
    a.config = config;
    a.changed_fields = std::move(diff);
    a.revision_id = current.revision_id;
    return a;
  }

  std::string version = MatchingVersion(current, sha, config);
  if (version.empty()) {
    DeployAction a = Make(DeployActionKind::kPublishVersion, desired,
                          "no published version has this code and configuration");
    a.code_sha256 = sha;
    a.revision_id = current.revision_id;
    a.description = desired.version_description;
    return a;
  }

  for (const auto& name : UniqueAliases(desired.aliases)) {
    const AliasState* alias = current.FindAlias(name);
    if (alias == nullptr) {
      DeployAction a = Make(DeployActionKind::kCreateAlias, desired, "the alias does not exist");
      a.alias = name;
      a.version = version;
      return a;
    }
    if (desired.traffic == TrafficPolicy::kAllAtOnce &&
        (alias->version != version || !alias->weights.empty())) {
      DeployAction a = Make(DeployActionKind::kUpdateAlias, desired,
                            "the alias points at version " + alias->version +
                                (alias->weights.empty() ? "" : " with additional weights"));
      a.alias = name;
      a.version = version;
      a.revision_id = alias->revision_id;
      return a;
    }
  }

  const auto tags = MergeManaged(current.tags, desired.tags, desired.previously_managed_tags);
  std::vector<std::string> remove;
  for (const auto& [key, value] : current.tags) {
    if (!tags.count(key)) remove.push_back(key);
  }
  if (!remove.empty()) {
    DeployAction a = Make(DeployActionKind::kUntagResource, desired,
                          "tags Ferry set before are no longer declared");
    a.tag_keys = std::move(remove);
    return a;
  }
  std::map<std::string, std::string> set;
  for (const auto& [key, value] : desired.tags) {
    auto it = current.tags.find(key);
    if (it == current.tags.end() || it->second != value) set[key] = value;
  }
  if (!set.empty()) {
    DeployAction a = Make(DeployActionKind::kTagResource, desired, "declared tags differ");
    a.tags = std::move(set);
    return a;
  }

  DeployAction done = Make(DeployActionKind::kDone, desired, "the function is as desired");
  done.version = version;
  return done;
}

ObservedFunction SimulateDeployAction(const DesiredFunction& desired,
                                      const ObservedFunction& current, const DeployAction& a) {
  ObservedFunction next = current;
  const std::string revision = "<RevisionId after " + std::string(DeployActionName(a.kind)) + ">";
  switch (a.kind) {
    case DeployActionKind::kCreateFunction:
      next.exists = true;
      next.function_name = desired.function_name;
      next.arn = "<arn of " + desired.function_name + ">";
      next.config = a.config;
      next.code_sha256 = desired.code.code_sha256.empty() ? "<CodeSha256 of the artifact>"
                                                          : desired.code.code_sha256;
      next.revision_id = revision;
      next.state = "Pending";
      next.tags = a.tags;
      break;
    case DeployActionKind::kWaitUntilActive:
      next.state = "Active";
      break;
    case DeployActionKind::kWaitUntilUpdated:
      next.last_update_status = "Successful";
      break;
    case DeployActionKind::kResolveCodeSha:
      break;  // PlanDeploy fills the desired sha
    case DeployActionKind::kUpdateCode:
      next.code_sha256 = desired.code.code_sha256;
      next.config.architectures = a.config.architectures;
      next.revision_id = revision;
      next.last_update_status = "InProgress";
      break;
    case DeployActionKind::kUpdateConfiguration:
      next.config = a.config;
      next.revision_id = revision;
      next.last_update_status = "InProgress";
      break;
    case DeployActionKind::kPublishVersion: {
      std::string newest = "0";
      for (const auto& v : current.versions) {
        if (VersionLess(newest, v.version)) newest = v.version;
      }
      // A prediction: Lambda never reuses numbers of deleted versions, so the real one may be
      // higher.
      uint64_t n = ParseVersionNumber(newest).value_or(0) + 1;
      next.versions.push_back(VersionInfo{std::to_string(n), current.code_sha256, current.config});
      break;
    }
    case DeployActionKind::kCreateAlias:
      next.aliases.push_back(AliasState{a.alias, a.version, a.weights, revision, ""});
      break;
    case DeployActionKind::kUpdateAlias:
      for (auto& alias : next.aliases) {
        if (alias.name == a.alias) {
          alias.version = a.version;
          alias.weights = a.weights;
          alias.revision_id = revision;
        }
      }
      break;
    case DeployActionKind::kUntagResource:
      for (const auto& key : a.tag_keys) next.tags.erase(key);
      break;
    case DeployActionKind::kTagResource:
      for (const auto& [key, value] : a.tags) next.tags[key] = value;
      break;
    case DeployActionKind::kDone:
      break;
  }
  return next;
}

Result<std::vector<DeployAction>> PlanDeploy(const DesiredFunction& desired_in,
                                             const ObservedFunction& current_in) {
  DesiredFunction desired = desired_in;
  ObservedFunction current = current_in;
  std::vector<DeployAction> plan;
  for (int i = 0; i < kMaxPlanSteps; ++i) {
    FERRY_ASSIGN_OR_RETURN(DeployAction action, NextDeployAction(desired, current));
    plan.push_back(action);
    if (action.kind == DeployActionKind::kDone) return plan;
    if (action.kind == DeployActionKind::kResolveCodeSha) {
      desired.code.code_sha256 = "<CodeSha256 of the artifact>";
    }
    current = SimulateDeployAction(desired, current, action);
  }
  return Error{ErrorCode::kInternal,
               "deploy plan for " + desired.function_name + " does not converge"};
}

std::string DescribeDeployAction(const DeployAction& a) {
  std::string out = std::string(DeployActionName(a.kind)) + " " + a.function_name;
  switch (a.kind) {
    case DeployActionKind::kCreateFunction:
    case DeployActionKind::kUpdateCode:
    case DeployActionKind::kResolveCodeSha:
      if (!a.code.s3_bucket.empty()) {
        out += " from s3://" + a.code.s3_bucket + "/" + a.code.s3_key;
      } else if (!a.code.image_uri.empty()) {
        out += " from " + a.code.image_uri;
      } else {
        out += " from a zip of " + std::to_string(a.code.zip_file.size()) + " bytes";
      }
      break;
    case DeployActionKind::kUpdateConfiguration:
      out += " [" + Join(a.changed_fields, ", ") + "]";
      break;
    case DeployActionKind::kPublishVersion:
      out += " (CodeSha256 " + Short(a.code_sha256) + ")";
      break;
    case DeployActionKind::kCreateAlias:
    case DeployActionKind::kUpdateAlias:
      out += ":" + a.alias + " → version " + a.version;
      for (const auto& [version, weight] : a.weights) {
        out += " + " + version + "@" + std::to_string(weight);
      }
      break;
    case DeployActionKind::kUntagResource:
      out += " [" + Join(a.tag_keys, ", ") + "]";
      break;
    case DeployActionKind::kTagResource: {
      std::vector<std::string> keys;
      for (const auto& [key, value] : a.tags) keys.push_back(key);
      out += " [" + Join(keys, ", ") + "]";
      break;
    }
    case DeployActionKind::kDone:
      out += " at version " + a.version;
      break;
    default:
      break;
  }
  if (!a.revision_id.empty()) out += " (RevisionId " + Short(a.revision_id) + ")";
  return out;
}

}  // namespace ferry::lambda
