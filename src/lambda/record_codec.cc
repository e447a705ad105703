// The codecs of records.h.
#include "common/crypto.h"
#include "common/json.h"
#include "lambda/codec_internal.h"
#include "lambda/records.h"
#include "lambda/state_codec.h"

namespace ferry::lambda {

using codec::DecodeObject;
using codec::Read;

std::string EncodeRecordedAliases(const std::vector<AliasState>& aliases) {
  Json out = Json::object();
  for (const auto& a : aliases) {
    out[a.name] = {{"version", a.version}, {"weights", codec::WeightsJson(a.weights)}};
  }
  return DumpJson(out);
}

Result<std::vector<AliasState>> DecodeRecordedAliases(std::string_view json) {
  return DecodeObject("recorded aliases", json, [](const Json& j) {
    std::vector<AliasState> out;
    for (const auto& [name, state] : j.items()) {
      if (!state.is_object()) codec::Fail("an alias must be an object");
      AliasState a;
      a.name = name;
      a.version = state.at("version").get<std::string>();
      if (auto w = state.find("weights"); w != state.end() && !w->is_null()) {
        a.weights = codec::WeightsFrom(*w);
      }
      out.push_back(std::move(a));
    }
    return out;
  });
}

std::string EncodeRecordedSnapshot(const ObservedFunction& snapshot) {
  return DumpJson(ToJson(RedactEnvironment(snapshot)));
}

Result<ObservedFunction> DecodeRecordedSnapshot(std::string_view json) {
  return DecodeObject("recorded snapshot", json, codec::ObservedFrom);
}

std::string EncodeDeploymentDetails(const DeploymentDetails& d) {
  return DumpJson(Json{{"managedTags", d.managed_tags},
                       {"managedEnvironment", d.managed_environment},
                       {"deployedAliases", d.deployed_aliases},
                       {"changed", d.changed}});
}

Result<DeploymentDetails> DecodeDeploymentDetails(std::string_view json) {
  return DecodeObject("deployment details", json, [](const Json& j) {
    DeploymentDetails d;
    d.changed = true;  // a record from before details were kept: assume it changed something
    Read(j, "managedTags", d.managed_tags);
    Read(j, "managedEnvironment", d.managed_environment);
    Read(j, "deployedAliases", d.deployed_aliases);
    Read(j, "changed", d.changed);
    return d;
  });
}

std::string KnownStateKey(const LambdaTarget& target, const std::string& function_name) {
  // Readable and bounded: the function's name, then a digest of where it lives (an endpoint may
  // be long). '\n' occurs in none of the parts (target_codec.h refuses control characters).
  const std::string where = target.region + "\n" + target.endpoint + "\n" + target.cloud_provider;
  return "lambda:" + function_name + "@" + Sha256Hex(where).substr(0, 16);
}

namespace codec {

Json KnownFunctionJson(const ObservedFunction& f, bool with_configuration) {
  Json versions = Json::array();
  for (const auto& v : f.versions) {
    versions.push_back({{"version", v.version}, {"codeSha256", v.code_sha256}});
  }
  Json aliases = Json::array();
  for (const auto& a : f.aliases) aliases.push_back(ToJson(a));
  Json out{{"exists", f.exists},
           {"functionName", f.function_name},
           {"arn", f.arn},
           {"codeSha256", f.code_sha256},
           {"revisionId", f.revision_id},
           {"versions", versions},
           {"aliases", aliases}};
  if (with_configuration) {
    out["config"] = ConfigJson(RedactEnvironment(f).config);
    out["tags"] = f.tags;
    out["recordsConfiguration"] = true;
  }
  return out;
}

RecordedFunction RecordedFrom(const Json& j) {
  RecordedFunction r;
  r.function = ObservedFrom(j);
  Read(j, "recordsConfiguration", r.configuration_recorded);
  if (!r.configuration_recorded) {
    r.function.config = {};
    r.function.tags.clear();
  }
  return r;
}

}  // namespace codec

std::string EncodeKnownFunction(const ObservedFunction& f) {
  // $LATEST's configuration (environment keys only) and tags, for drift (drift.h). A function
  // read from Lambda always has a role; a state without one carries no configuration (a record
  // from before configurations were kept, decoded and written back).
  return DumpJson(codec::KnownFunctionJson(f, !f.config.role.empty()));
}

Result<ObservedFunction> DecodeKnownFunction(std::string_view json) {
  return DecodeObject("known function state", json, codec::ObservedFrom);
}

Result<RecordedFunction> DecodeRecordedFunction(std::string_view json) {
  return DecodeObject("known function state", json, codec::RecordedFrom);
}

}  // namespace ferry::lambda
