// The Lambda function table as JSON, for --data snapshots.
#include <algorithm>

#include "common/time.h"
#include "sandbox/lambda/state.h"

namespace ferry::sandbox::lambda {
namespace {

Json VersionToJson(const VersionRecord& v) {
  return {{"config", v.config}, {"code", v.code_hex}, {"fingerprint", v.fingerprint}};
}

Result<VersionRecord> VersionFromJson(const Json& j) {
  if (!j.is_object() || !j.contains("config") || !j["config"].is_object()) {
    return InvalidArgument("a version lacks its configuration");
  }
  VersionRecord v;
  v.config = j["config"];
  FERRY_ASSIGN_OR_RETURN(v.code_hex, RequiredString(j, "code"));
  FERRY_ASSIGN_OR_RETURN(v.fingerprint, RequiredString(j, "fingerprint"));
  return v;
}

}  // namespace

Json LambdaService::State::ToJson() const {
  Json functions_json = Json::array();
  for (const auto& [key, fn] : functions) {
    Json versions_json = Json::array();
    for (const auto& [number, v] : fn.versions) {
      Json item = VersionToJson(v);
      item["number"] = number;
      versions_json.push_back(std::move(item));
    }
    Json f = {{"account", fn.account_id},  {"region", fn.region},
              {"name", fn.name},           {"latest", VersionToJson(fn.latest)},
              {"versions", versions_json}, {"last_version", fn.last_version},
              {"aliases", fn.aliases},     {"tags", fn.tags}};
    if (fn.settle_at) f["settle_at_ms"] = ToUnixMillis(*fn.settle_at);
    if (fn.serving) f["serving"] = VersionToJson(*fn.serving);
    if (fn.fail_reason) f["fail_reason"] = *fn.fail_reason;
    functions_json.push_back(std::move(f));
  }
  return {{"format", 1}, {"functions", functions_json}};
}

Status LambdaService::State::FromJson(const Json& json) {
  if (json.value("format", 0) != 1 || !json.contains("functions") ||
      !json["functions"].is_array()) {
    return InvalidArgument("unknown lambda state format");
  }
  std::map<std::string, FunctionRecord> loaded;
  try {
    for (const Json& f : json["functions"]) {
      FunctionRecord fn;
      fn.account_id = f.at("account").get<std::string>();
      fn.region = f.at("region").get<std::string>();
      fn.name = f.at("name").get<std::string>();
      FERRY_ASSIGN_OR_RETURN(fn.latest, VersionFromJson(f.at("latest")));
      for (const Json& v : f.at("versions")) {
        FERRY_ASSIGN_OR_RETURN(auto record, VersionFromJson(v));
        fn.versions[v.at("number").get<int64_t>()] = std::move(record);
      }
      fn.last_version = f.at("last_version").get<int64_t>();
      for (const auto& [name, alias] : f.at("aliases").items()) fn.aliases[name] = alias;
      fn.tags = f.at("tags").get<std::map<std::string, std::string>>();
      if (f.contains("settle_at_ms"))
        fn.settle_at = FromUnixMillis(f["settle_at_ms"].get<int64_t>());
      if (f.contains("serving")) {
        FERRY_ASSIGN_OR_RETURN(VersionRecord serving, VersionFromJson(f["serving"]));
        fn.serving = std::move(serving);
      }
      if (f.contains("fail_reason")) fn.fail_reason = f["fail_reason"].get<std::string>();
      for (const std::string& hex : [&] {
             std::vector<std::string> all{fn.latest.code_hex};
             if (fn.serving) all.push_back(fn.serving->code_hex);
             for (const auto& [n, v] : fn.versions) all.push_back(v.code_hex);
             return all;
           }()) {
        auto blob = code.Get(hex);
        if (!blob.ok()) {
          return InvalidArgument("function " + fn.name + " refers to code " + hex +
                                 " that is missing from lambda/code");
        }
      }
      std::string key = FunctionKey(fn.account_id, fn.region, fn.name);
      loaded.emplace(std::move(key), std::move(fn));
    }
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("malformed function record: ") + e.what());
  }
  std::lock_guard lock(mu);
  functions = std::move(loaded);
  return Ok();
}

Status LambdaService::State::Persist() {
  ++changes;
  return Ok();
}

Status LambdaService::State::AwaitDurable(uint64_t change) {
  if (!snapshot) return Ok();
  std::unique_lock lock(persist_mu);
  while (durable < change) {
    if (writing) {
      persisted.wait(lock);
      continue;
    }
    writing = true;
    lock.unlock();
    Json table;
    uint64_t covered = 0;
    {
      std::lock_guard state_lock(mu);
      table = ToJson();
      covered = changes;
    }
    Status written = snapshot->Save(table);
    lock.lock();
    writing = false;
    if (written.ok()) durable = std::max(durable, covered);
    persisted.notify_all();
    if (!written.ok()) return written;  // the next waiter tries again
  }
  return Ok();
}

}  // namespace ferry::sandbox::lambda
