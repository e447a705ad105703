// The codecs of tasks.h. Each payload's members are named here and nowhere else.
#include <algorithm>

#include "common/json.h"
#include "lambda/codec_internal.h"
#include "lambda/records.h"
#include "lambda/state_codec.h"
#include "lambda/target_codec.h"
#include "lambda/tasks.h"

namespace ferry::lambda {
namespace {

using codec::ArrayAt;
using codec::DecodeObject;
using codec::Fail;
using codec::Read;
using codec::ReadInt;

std::vector<std::string> NamesAt(const Json& payload, const char* key) {
  std::vector<std::string> out;
  for (const auto& name : ArrayAt(payload, key)) {
    if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
      Fail(std::string(key) + " must be non-empty strings");
    }
    out.push_back(name.get<std::string>());
  }
  return out;
}

Json PlanJson(const FunctionPlan& p) {
  Json moves = Json::array();
  for (const auto& m : p.alias_moves) {
    moves.push_back({{"alias", m.alias}, {"from", m.from}, {"to", m.to}});
  }
  Json out{{"functionName", p.function_name},
           {"changes", p.changes()},
           {"create", p.create},
           {"updateCode", p.update_code},
           {"codeSha256From", p.code_sha256_from},
           {"codeSha256To", p.code_sha256_to},
           {"configurationChanges", p.configuration_changes},
           {"publish", p.publish},
           {"aliasMoves", moves},
           {"tagsSet", p.tags_set},
           {"tagsRemoved", p.tags_removed},
           {"calls", codec::CallsJson(p.calls)},
           {"driftChecked", p.drift_checked}};
  Json drift = Json::array();
  for (const auto& d : p.drift) {
    drift.push_back({{"what", d.what}, {"recorded", d.recorded}, {"live", d.live}});
  }
  out["drift"] = std::move(drift);
  if (p.error) out["error"] = codec::ErrorJson(*p.error);
  return out;
}

FunctionPlan PlanFrom(const Json& j) {
  FunctionPlan p;
  p.function_name = j.at("functionName").get<std::string>();
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) p.error = codec::ErrorFrom(*it);
  Read(j, "create", p.create);
  Read(j, "updateCode", p.update_code);
  Read(j, "codeSha256From", p.code_sha256_from);
  Read(j, "codeSha256To", p.code_sha256_to);
  Read(j, "configurationChanges", p.configuration_changes);
  Read(j, "publish", p.publish);
  for (const auto& m : ArrayAt(j, "aliasMoves")) {
    AliasMove move;
    move.alias = m.at("alias").get<std::string>();
    Read(m, "from", move.from);
    Read(m, "to", move.to);
    p.alias_moves.push_back(std::move(move));
  }
  Read(j, "tagsSet", p.tags_set);
  Read(j, "tagsRemoved", p.tags_removed);
  p.calls = codec::CallsFrom(ArrayAt(j, "calls"));
  Read(j, "driftChecked", p.drift_checked);
  for (const auto& d : ArrayAt(j, "drift")) {
    p.drift.push_back({d.at("what").get<std::string>(), d.at("recorded").get<std::string>(),
                       d.at("live").get<std::string>()});
  }
  return p;
}

}  // namespace

namespace codec {

std::string_view SourceName(SnapshotSource source) {
  return source == SnapshotSource::kRecorded ? "recorded" : "read";
}

Json SnapshotJson(const Snapshot& s) {
  Json out = ToJson(RedactEnvironment(s.function));
  out["source"] = SourceName(s.source);
  return out;
}

// A snapshot is a function with its source; payloads written before sources existed hold plain
// functions, which were read.
Snapshot SnapshotFrom(const Json& j) {
  Snapshot s;
  s.function = codec::ObservedFrom(j);
  std::string source = "read";
  Read(j, "source", source);
  if (source != "read" && source != "recorded") Fail("snapshot source must be read or recorded");
  s.source = source == "recorded" ? SnapshotSource::kRecorded : SnapshotSource::kRead;
  return s;
}

Json RollbackReportJson(const RollbackReport& r) {
  Json out{{"functionName", r.function_name}, {"calls", codec::CallsJson(r.calls)}};
  if (r.error) out["error"] = codec::ErrorJson(*r.error);
  if (r.after) out["after"] = ToJson(RedactEnvironment(*r.after));
  return out;
}

RollbackReport RollbackReportFrom(const Json& j) {
  RollbackReport r;
  r.function_name = j.at("functionName").get<std::string>();
  r.calls = codec::CallsFrom(ArrayAt(j, "calls"));
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) r.error = codec::ErrorFrom(*it);
  if (auto it = j.find("after"); it != j.end() && !it->is_null()) {
    r.after = codec::ObservedFrom(*it);
  }
  return r;
}

Json RollbackTaskJson(const RollbackTask& task) {
  Json functions = Json::array();
  for (const auto& f : task.functions) {
    Json item{{"snapshot", ToJson(RedactEnvironment(f.snapshot))}, {"aliases", f.aliases}};
    if (f.unconfirmed) item["unconfirmed"] = true;
    functions.push_back(std::move(item));
  }
  return Json{{"target", TargetToJson(task.target)},
              {"keepCreatedFunctions", task.keep_created_functions},
              {"functions", functions}};
}

RollbackTask RollbackTaskFrom(const Json& j) {
  RollbackTask t;
  t.target = codec::TargetAt(j, "the task");
  Read(j, "keepCreatedFunctions", t.keep_created_functions);
  for (const auto& f : ArrayAt(j, "functions")) {
    RollbackTarget target;
    target.snapshot = ObservedFrom(ObjectAt(f, "snapshot"));
    Read(f, "aliases", target.aliases);
    Read(f, "unconfirmed", target.unconfirmed);
    if (target.snapshot.function_name.empty()) Fail("a snapshot to restore has no function name");
    t.functions.push_back(std::move(target));
  }
  return t;
}

}  // namespace codec

using codec::RollbackReportFrom;
using codec::RollbackReportJson;
using codec::SnapshotFrom;
using codec::SnapshotJson;

bool FunctionPlan::changes() const {
  return create || update_code || !configuration_changes.empty() || publish ||
         !alias_moves.empty() || !tags_set.empty() || !tags_removed.empty();
}

std::string EncodeSnapshotTask(const SnapshotTask& task) {
  return DumpJson(Json{{"target", TargetToJson(task.target)}, {"functions", task.function_names}});
}

Result<SnapshotTask> DecodeSnapshotTask(std::string_view json) {
  return DecodeObject("lambda.snapshot payload", json, [](const Json& j) {
    SnapshotTask t;
    t.target = codec::TargetAt(j, "the task");
    t.function_names = NamesAt(j, "functions");
    return t;
  });
}

std::string EncodeSnapshotResult(const SnapshotResult& result) {
  Json snapshots = Json::array();
  for (const auto& s : result.snapshots) snapshots.push_back(ToJson(RedactEnvironment(s)));
  return DumpJson(Json{{"snapshots", snapshots}});
}

Result<SnapshotResult> DecodeSnapshotResult(std::string_view json) {
  return DecodeObject("lambda.snapshot result", json, [](const Json& j) {
    SnapshotResult r;
    for (const auto& s : ArrayAt(j, "snapshots")) r.snapshots.push_back(codec::ObservedFrom(s));
    return r;
  });
}

std::string EncodeDeployTask(const DeployTask& task) {
  Json functions = Json::array();
  for (const auto& f : task.functions) functions.push_back(ToJson(f));
  Json snapshots = Json::array();
  for (const auto& s : task.snapshots) snapshots.push_back(SnapshotJson(s));
  Json out{{"target", TargetToJson(task.target)},
           {"functions", functions},
           {"snapshots", snapshots},
           {"reuseSnapshotLists", task.reuse_snapshot_lists}};
  if (task.concurrency > 0) out["concurrency"] = task.concurrency;
  return DumpJson(out);
}

Result<DeployTask> DecodeDeployTask(std::string_view json) {
  return DecodeObject("lambda.deploy payload", json, [](const Json& j) {
    DeployTask t;
    t.target = codec::TargetAt(j, "the task");
    ReadInt(j, "concurrency", t.concurrency);
    for (const auto& f : ArrayAt(j, "functions")) t.functions.push_back(codec::DesiredFrom(f));
    for (const auto& s : ArrayAt(j, "snapshots")) t.snapshots.push_back(SnapshotFrom(s));
    Read(j, "reuseSnapshotLists", t.reuse_snapshot_lists);
    return t;
  });
}

std::string EncodeDeployResult(const DeployResult& result) {
  Json deployments = Json::array();
  for (const auto& d : result.deployments) deployments.push_back(ToJson(d));
  return DumpJson(Json{{"deployments", deployments}});
}

Result<DeployResult> DecodeDeployResult(std::string_view json) {
  return DecodeObject("lambda.deploy result", json, [](const Json& j) {
    DeployResult r;
    for (const auto& d : ArrayAt(j, "deployments")) {
      r.deployments.push_back(codec::DeploymentFrom(d));
    }
    return r;
  });
}

std::string EncodeRollbackTask(const RollbackTask& task) {
  return DumpJson(codec::RollbackTaskJson(task));
}

Result<RollbackTask> DecodeRollbackTask(std::string_view json) {
  return DecodeObject("lambda.rollback payload", json, codec::RollbackTaskFrom);
}

std::string EncodeRollbackResult(const RollbackResult& result) {
  Json rollbacks = Json::array();
  for (const auto& r : result.rollbacks) rollbacks.push_back(RollbackReportJson(r));
  return DumpJson(Json{{"rollbacks", rollbacks}});
}

Result<RollbackResult> DecodeRollbackResult(std::string_view json) {
  return DecodeObject("lambda.rollback result", json, [](const Json& j) {
    RollbackResult r;
    for (const auto& item : ArrayAt(j, "rollbacks")) {
      r.rollbacks.push_back(RollbackReportFrom(item));
    }
    return r;
  });
}

std::string EncodePruneTask(const PruneTask& task) {
  Json functions = Json::array();
  for (const auto& f : task.functions) {
    functions.push_back({{"name", f.function_name}, {"protectedVersions", f.protected_versions}});
  }
  return DumpJson(
      Json{{"target", TargetToJson(task.target)}, {"keep", task.keep}, {"functions", functions}});
}

Result<PruneTask> DecodePruneTask(std::string_view json) {
  return DecodeObject("lambda.prune payload", json, [](const Json& j) {
    PruneTask t;
    t.target = codec::TargetAt(j, "the task");
    ReadInt(j, "keep", t.keep);
    if (t.keep < 1 || t.keep > 10000) Fail("keep must be between 1 and 10000");
    for (const auto& f : ArrayAt(j, "functions")) {
      PruneFunction p;
      p.function_name = f.at("name").get<std::string>();
      Read(f, "protectedVersions", p.protected_versions);
      t.functions.push_back(std::move(p));
    }
    return t;
  });
}

std::string EncodePruneResult(const PruneResult& result) {
  Json pruned = Json::array();
  for (const auto& p : result.pruned) {
    Json item{{"functionName", p.function_name},
              {"deleted", p.deleted},
              {"calls", codec::CallsJson(p.calls)}};
    if (p.error) item["error"] = codec::ErrorJson(*p.error);
    pruned.push_back(std::move(item));
  }
  return DumpJson(Json{{"pruned", pruned}});
}

Result<PruneResult> DecodePruneResult(std::string_view json) {
  return DecodeObject("lambda.prune result", json, [](const Json& j) {
    PruneResult r;
    for (const auto& item : ArrayAt(j, "pruned")) {
      PruneReport p;
      p.function_name = item.at("functionName").get<std::string>();
      Read(item, "deleted", p.deleted);
      p.calls = codec::CallsFrom(ArrayAt(item, "calls"));
      if (auto it = item.find("error"); it != item.end() && !it->is_null()) {
        p.error = codec::ErrorFrom(*it);
      }
      r.pruned.push_back(std::move(p));
    }
    return r;
  });
}

std::string EncodePlanTask(const PlanTask& task) {
  Json functions = Json::array();
  for (const auto& f : task.functions) functions.push_back(ToJson(f));
  Json recorded = Json::array();
  for (const auto& r : task.recorded) {
    recorded.push_back(codec::KnownFunctionJson(
        r.function, r.configuration_recorded && !r.function.config.role.empty()));
  }
  return DumpJson(Json{{"target", TargetToJson(task.target)},
                       {"functions", functions},
                       {"recorded", recorded},
                       {"application", task.application},
                       {"environment", task.environment}});
}

Result<PlanTask> DecodePlanTask(std::string_view json) {
  return DecodeObject("lambda.plan payload", json, [](const Json& j) {
    PlanTask t;
    t.target = codec::TargetAt(j, "the task");
    for (const auto& f : ArrayAt(j, "functions")) t.functions.push_back(codec::DesiredFrom(f));
    for (const auto& r : ArrayAt(j, "recorded")) t.recorded.push_back(codec::RecordedFrom(r));
    for (auto [field, out] :
         {std::pair{"application", &t.application}, std::pair{"environment", &t.environment}}) {
      auto it = j.find(field);
      if (it != j.end() && it->is_string()) *out = it->get<std::string>();
    }
    return t;
  });
}

std::string EncodePlanResult(const PlanResult& result) {
  Json functions = Json::array();
  for (const auto& f : result.functions) functions.push_back(PlanJson(f));
  return DumpJson(Json{{"functions", functions}});
}

Result<PlanResult> DecodePlanResult(std::string_view json) {
  return DecodeObject("lambda.plan result", json, [](const Json& j) {
    PlanResult r;
    for (const auto& f : ArrayAt(j, "functions")) r.functions.push_back(PlanFrom(f));
    return r;
  });
}

namespace codec {

Json RoutingJson(const AliasRouting& r) {
  return Json{{"version", r.version}, {"weights", WeightsJson(r.weights)}};
}

AliasRouting RoutingFrom(const Json& j) {
  if (!j.is_object()) Fail("a routing must be an object");
  AliasRouting r;
  r.version = j.at("version").get<std::string>();
  if (r.version.empty()) Fail("a routing needs a version");
  if (auto it = j.find("weights"); it != j.end() && !it->is_null()) r.weights = WeightsFrom(*it);
  if (r.weights.size() > 1) Fail("an alias routes to at most one additional version");
  return r;
}

Json ShiftReportJson(const ShiftReport& r) {
  Json out{{"functionName", r.function_name}, {"alias", r.alias}, {"calls", CallsJson(r.calls)}};
  if (r.error) out["error"] = ErrorJson(*r.error);
  if (r.after) out["after"] = ToJson(*r.after);
  return out;
}

ShiftReport ShiftReportFrom(const Json& j) {
  if (!j.is_object()) Fail("a shift report must be an object");
  ShiftReport r;
  r.function_name = j.at("functionName").get<std::string>();
  r.alias = j.at("alias").get<std::string>();
  r.calls = CallsFrom(ArrayAt(j, "calls"));
  if (auto it = j.find("error"); it != j.end() && !it->is_null()) r.error = ErrorFrom(*it);
  if (auto it = j.find("after"); it != j.end() && !it->is_null()) r.after = AliasFrom(*it);
  return r;
}

}  // namespace codec

std::string EncodeShiftTask(const ShiftTask& task) {
  Json shifts = Json::array();
  for (const auto& s : task.shifts) {
    shifts.push_back({{"functionName", s.function_name},
                      {"alias", s.alias},
                      {"from", codec::RoutingJson(s.from)},
                      {"revisionId", s.revision_id},
                      {"to", codec::RoutingJson(s.to)}});
  }
  return DumpJson(Json{{"target", TargetToJson(task.target)}, {"shifts", shifts}});
}

Result<ShiftTask> DecodeShiftTask(std::string_view json) {
  return DecodeObject("lambda.shift payload", json, [](const Json& j) {
    ShiftTask t;
    t.target = codec::TargetAt(j, "the task");
    for (const auto& item : ArrayAt(j, "shifts")) {
      if (!item.is_object()) Fail("a shift must be an object");
      AliasShift s;
      s.function_name = item.at("functionName").get<std::string>();
      s.alias = item.at("alias").get<std::string>();
      if (s.function_name.empty() || s.alias.empty()) Fail("a shift needs a function and an alias");
      s.from = codec::RoutingFrom(codec::ObjectAt(item, "from"));
      Read(item, "revisionId", s.revision_id);
      s.to = codec::RoutingFrom(codec::ObjectAt(item, "to"));
      t.shifts.push_back(std::move(s));
    }
    return t;
  });
}

std::string EncodeShiftResult(const ShiftResult& result) {
  Json shifts = Json::array();
  for (const auto& r : result.shifts) shifts.push_back(codec::ShiftReportJson(r));
  return DumpJson(Json{{"shifts", shifts}});
}

Result<ShiftResult> DecodeShiftResult(std::string_view json) {
  return DecodeObject("lambda.shift result", json, [](const Json& j) {
    ShiftResult r;
    for (const auto& item : ArrayAt(j, "shifts")) r.shifts.push_back(codec::ShiftReportFrom(item));
    return r;
  });
}

}  // namespace ferry::lambda
