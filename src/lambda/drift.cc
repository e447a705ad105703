#include "lambda/drift.h"

#include <cmath>
#include <map>
#include <set>

#include "common/strings.h"
#include "lambda/config_compare.h"

namespace ferry::lambda {
namespace {

constexpr size_t kMaxShown = 120;  // characters of one value (a description, a tag value)

std::string Shown(const std::string& value) {
  if (value.empty()) return "(empty)";
  if (value.size() <= kMaxShown) return value;
  return value.substr(0, kMaxShown) + "…";
}

std::string ShortSha(const std::string& sha) {
  if (sha.empty()) return "(none)";
  return sha.size() > 12 ? sha.substr(0, 12) + "…" : sha;
}

std::string List(const std::vector<std::string>& items) {
  return items.empty() ? "(none)" : Join(items, ", ");
}

std::string Keys(const std::map<std::string, std::string>& m) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : m) keys.push_back(key);
  return List(keys);
}

std::string Percent(double weight) {
  const double p = std::round(weight * 1000.0) / 10.0;
  std::string text = std::to_string(p);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text + "%";
}

std::string Routing(const AliasState& alias) {
  std::string out = "version " + alias.version;
  for (const auto& [version, weight] : alias.weights) {
    out += ", " + Percent(weight) + " to version " + version;
  }
  return out;
}

// The value of one configuration field named as ConfigDifferences names it.
std::string ConfigValue(const FunctionConfig& c, const std::string& field) {
  if (field == "Runtime") return Shown(c.runtime);
  if (field == "Handler") return Shown(c.handler);
  if (field == "Role") return Shown(c.role);
  if (field == "Description") return Shown(c.description);
  if (field == "MemorySize") return std::to_string(c.memory_mb) + " MB";
  if (field == "Timeout") return std::to_string(c.timeout_seconds) + " s";
  if (field == "EphemeralStorage") return std::to_string(c.ephemeral_storage_mb) + " MB";
  if (field == "Layers") return List(c.layers);
  if (field == "Environment") return "keys " + Keys(c.environment);
  if (field == "VpcConfig") {
    return "subnets " + List(c.vpc.subnet_ids) + "; security groups " +
           List(c.vpc.security_group_ids);
  }
  if (field == "TracingConfig") return c.tracing_mode.empty() ? "PassThrough" : c.tracing_mode;
  if (field == "KMSKeyArn") return c.kms_key_arn.empty() ? "(AWS-managed key)" : c.kms_key_arn;
  if (field == "DeadLetterConfig") return Shown(c.dead_letter_target);
  if (field == "Architectures") return List(c.architectures);
  return "";
}

FunctionConfig KeysOnly(FunctionConfig c) {
  for (auto& [key, value] : c.environment) value.clear();
  return Normalize(c);
}

}  // namespace

std::vector<DriftItem> FindDrift(const RecordedFunction& recorded_function,
                                 const ObservedFunction& live) {
  const ObservedFunction& was = recorded_function.function;
  std::vector<DriftItem> out;
  if (!was.exists) return out;
  if (!live.exists) {
    out.push_back({"function", "exists", "deleted"});
    return out;
  }
  if (!was.arn.empty() && was.arn != live.arn) {
    out.push_back({"function", was.arn, live.arn + " (deleted and created again)"});
  }
  if (was.code_sha256 != live.code_sha256) {
    out.push_back({"code", ShortSha(was.code_sha256), ShortSha(live.code_sha256)});
  }
  if (recorded_function.configuration_recorded) {
    const FunctionConfig before = KeysOnly(was.config);
    const FunctionConfig now = KeysOnly(live.config);
    for (const std::string& field : ConfigDifferences(before, now)) {
      out.push_back({field, ConfigValue(before, field), ConfigValue(now, field)});
    }
    if (ArchitecturesDiffer(before, now)) {
      out.push_back({"Architectures", ConfigValue(before, "Architectures"),
                     ConfigValue(now, "Architectures")});
    }
    std::set<std::string> keys;
    for (const auto& [key, value] : was.tags) keys.insert(key);
    for (const auto& [key, value] : live.tags) keys.insert(key);
    for (const std::string& key : keys) {
      auto a = was.tags.find(key);
      auto b = live.tags.find(key);
      if (a != was.tags.end() && b != live.tags.end() && a->second == b->second) continue;
      out.push_back({"tag " + Shown(key), a == was.tags.end() ? "absent" : Shown(a->second),
                     b == live.tags.end() ? "removed" : Shown(b->second)});
    }
  }
  if (out.empty() && !was.revision_id.empty() && was.revision_id != live.revision_id) {
    out.push_back({"$LATEST", "revision " + was.revision_id,
                   "revision " + live.revision_id +
                       (recorded_function.configuration_recorded
                            ? " (a change Ferry does not record, such as an environment value)"
                            : " (configuration changed; this record predates field-by-field "
                              "drift: deploy once to record it)")});
  }
  for (const AliasState& alias : was.aliases) {
    const AliasState* now = live.FindAlias(alias.name);
    if (now == nullptr) {
      out.push_back({"alias " + alias.name, Routing(alias), "deleted"});
    } else if (now->version != alias.version || !SameWeights(now->weights, alias.weights)) {
      out.push_back({"alias " + alias.name, Routing(alias), Routing(*now)});
    }
  }
  for (const AliasState& alias : live.aliases) {
    if (was.FindAlias(alias.name) == nullptr) {
      out.push_back({"alias " + alias.name, "absent", Routing(alias) + " (created)"});
    }
  }
  for (const VersionInfo& v : was.versions) {
    if (ParseVersionNumber(v.version) && live.FindVersion(v.version) == nullptr) {
      out.push_back({"version " + v.version, "published", "deleted"});
    }
  }
  for (const VersionInfo& v : live.versions) {
    if (ParseVersionNumber(v.version) && was.FindVersion(v.version) == nullptr) {
      out.push_back({"version " + v.version, "absent", "published"});
    }
  }
  return out;
}

std::string DescribeDrift(const DriftItem& item) {
  return item.what + ": " + item.recorded + " → " + item.live;
}

}  // namespace ferry::lambda
