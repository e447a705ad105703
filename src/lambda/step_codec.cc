// The codecs of steps.h. Each step's members are named here and nowhere else.
#include "common/json.h"
#include "common/time.h"
#include "lambda/codec_internal.h"
#include "lambda/state_codec.h"
#include "lambda/steps.h"
#include "lambda/target_codec.h"

namespace ferry::lambda {
namespace {

using codec::ArrayAt;
using codec::DecodeObject;
using codec::Fail;
using codec::Read;
using codec::ReadInt;

std::vector<std::string> SelectorsAt(const Json& j) {
  std::vector<std::string> out;
  Read(j, "selectors", out);
  return out;
}

Json SnapshotsJson(const std::vector<Snapshot>& snapshots) {
  Json out = Json::array();
  for (const auto& s : snapshots) out.push_back(codec::SnapshotJson(s));
  return out;
}

std::vector<Snapshot> SnapshotsFrom(const Json& j) {
  std::vector<Snapshot> out;
  for (const auto& item : ArrayAt(j, "snapshots")) out.push_back(codec::SnapshotFrom(item));
  return out;
}

Json RestoreFunctionsJson(const std::vector<RestoreFunction>& functions) {
  Json out = Json::array();
  for (const auto& f : functions) {
    Json aliases = Json::array();
    for (const auto& a : f.aliases) {
      aliases.push_back(
          {{"name", a.name}, {"version", a.version}, {"weights", codec::WeightsJson(a.weights)}});
    }
    out.push_back({{"functionName", f.function_name}, {"aliases", aliases}});
  }
  return out;
}

}  // namespace

std::string EncodeDeployStepInputs(const DeployStepInputs& in) {
  Json functions = Json::array();
  for (const auto& f : in.functions) functions.push_back(ToJson(f));
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {"concurrency", in.concurrency},
                       {"keepCreatedFunctions", in.keep_created_functions},
                       {"functions", functions}});
}

Result<DeployStepInputs> DecodeDeployStepInputs(std::string_view json) {
  return DecodeObject("lambda.deploy step inputs", json, [](const Json& j) {
    DeployStepInputs in;
    in.target = codec::TargetAt(j, "the step");
    in.selectors = SelectorsAt(j);
    ReadInt(j, "concurrency", in.concurrency);
    if (in.concurrency < 1 || in.concurrency > 256) Fail("concurrency must be between 1 and 256");
    Read(j, "keepCreatedFunctions", in.keep_created_functions);
    for (const auto& f : ArrayAt(j, "functions")) in.functions.push_back(codec::DesiredFrom(f));
    return in;
  });
}

std::string EncodeDeployStepOutputs(const DeployStepOutputs& out) {
  Json deployments = Json::array();
  for (const auto& d : out.deployments) deployments.push_back(ToJson(d));
  return DumpJson(Json{{"snapshots", SnapshotsJson(out.snapshots)},
                       {"deployments", deployments},
                       {"deploying", out.deploying}});
}

Result<DeployStepOutputs> DecodeDeployStepOutputs(std::string_view json) {
  return DecodeObject("lambda.deploy step outputs", json, [](const Json& j) {
    DeployStepOutputs out;
    out.snapshots = SnapshotsFrom(j);
    for (const auto& d : ArrayAt(j, "deployments")) {
      out.deployments.push_back(codec::DeploymentFrom(d));
    }
    Read(j, "deploying", out.deploying);
    return out;
  });
}

std::string EncodePruneStepInputs(const PruneStepInputs& in) {
  Json functions = Json::array();
  for (const auto& name : in.function_names) functions.push_back({{"name", name}});
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {"keep", in.keep},
                       {"functions", functions}});
}

Result<PruneStepInputs> DecodePruneStepInputs(std::string_view json) {
  return DecodeObject("lambda.prune step inputs", json, [](const Json& j) {
    PruneStepInputs in;
    in.target = codec::TargetAt(j, "the step");
    in.selectors = SelectorsAt(j);
    ReadInt(j, "keep", in.keep);
    if (in.keep < 1 || in.keep > 10000) Fail("keep must be between 1 and 10000");
    for (const auto& f : ArrayAt(j, "functions")) {
      in.function_names.push_back(f.at("name").get<std::string>());
    }
    return in;
  });
}

std::string EncodeRestoreStepInputs(const RestoreStepInputs& in) {
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {in.undo ? "undoExecution" : "toExecution", in.execution},
                       {"functions", RestoreFunctionsJson(in.functions)}});
}

Result<RestoreStepInputs> DecodeRestoreStepInputs(std::string_view json) {
  return DecodeObject("lambda.restore step inputs", json, [](const Json& j) {
    RestoreStepInputs in;
    in.target = codec::TargetAt(j, "the step");
    in.selectors = SelectorsAt(j);
    const bool to = j.contains("toExecution");
    const bool undo = j.contains("undoExecution");
    if (to == undo) Fail("exactly one of toExecution and undoExecution");
    in.undo = undo;
    in.execution = j.at(undo ? "undoExecution" : "toExecution").get<std::string>();
    for (const auto& f : ArrayAt(j, "functions")) {
      RestoreFunction r;
      r.function_name = f.at("functionName").get<std::string>();
      for (const auto& a : ArrayAt(f, "aliases")) r.aliases.push_back(codec::AliasFrom(a));
      in.functions.push_back(std::move(r));
    }
    return in;
  });
}

std::string EncodeRestoreStepOutputs(const RestoreStepOutputs& out) {
  Json snapshots = Json::array();
  for (const auto& s : out.snapshots) snapshots.push_back(ToJson(RedactEnvironment(s)));
  Json rollbacks = Json::array();
  for (const auto& r : out.rollbacks) rollbacks.push_back(codec::RollbackReportJson(r));
  return DumpJson(Json{{"snapshots", snapshots}, {"rollbacks", rollbacks}});
}

Result<RestoreStepOutputs> DecodeRestoreStepOutputs(std::string_view json) {
  return DecodeObject("lambda.restore step outputs", json, [](const Json& j) {
    RestoreStepOutputs out;
    for (const auto& s : ArrayAt(j, "snapshots")) out.snapshots.push_back(codec::ObservedFrom(s));
    for (const auto& r : ArrayAt(j, "rollbacks")) {
      out.rollbacks.push_back(codec::RollbackReportFrom(r));
    }
    return out;
  });
}

std::string EncodeRollbackStepInputs(const RollbackStepInputs& in) {
  Json out = codec::RollbackTaskJson(in.task);
  out["selectors"] = in.selectors;
  return DumpJson(out);
}

Result<RollbackStepInputs> DecodeRollbackStepInputs(std::string_view json) {
  return DecodeObject("lambda.rollback step inputs", json, [](const Json& j) {
    RollbackStepInputs in;
    in.selectors = SelectorsAt(j);
    in.task = codec::RollbackTaskFrom(j);
    return in;
  });
}

// A bake longer than a week is a mistake in the workflow, not a plan.
constexpr int64_t kMaxBakeMillis = int64_t{7} * 24 * 3600 * 1000;

std::string EncodeShiftStepInputs(const ShiftStepInputs& in) {
  return DumpJson(Json{{"target", TargetToJson(in.target)},
                       {"selectors", in.selectors},
                       {"deployStep", in.deploy_step},
                       {"percent", in.percent},
                       {"bakeMillis", in.bake.count()},
                       {"alarms", codec::AlarmSelectorJson(in.alarms)}});
}

Result<ShiftStepInputs> DecodeShiftStepInputs(std::string_view json) {
  return DecodeObject("lambda.shift step inputs", json, [](const Json& j) {
    ShiftStepInputs in;
    in.target = codec::TargetAt(j, "the step");
    in.selectors = SelectorsAt(j);
    in.deploy_step = j.at("deployStep").get<std::string>();
    if (in.deploy_step.empty()) Fail("deployStep is empty");
    in.percent = 0;
    ReadInt(j, "percent", in.percent, 1);
    if (in.percent < 1 || in.percent > 100) Fail("percent must be between 1 and 100");
    int64_t bake = 0;
    Read(j, "bakeMillis", bake);
    if (bake < 0 || bake > kMaxBakeMillis) Fail("bakeMillis must be between 0 and 7 days");
    in.bake = Duration{bake};
    if (auto it = j.find("alarms"); it != j.end() && !it->is_null()) {
      in.alarms = codec::AlarmSelectorFrom(*it);
    }
    return in;
  });
}

std::string EncodeShiftStepOutputs(const ShiftStepOutputs& out) {
  Json aliases = Json::array();
  for (const auto& a : out.aliases) {
    aliases.push_back({{"functionName", a.function_name},
                       {"stable", a.stable},
                       {"next", a.next},
                       {"alias", ToJson(a.alias)}});
  }
  Json reports = Json::array();
  for (const auto& r : out.reports) reports.push_back(codec::ShiftReportJson(r));
  Json seen = Json::array();
  for (const auto& o : out.alarms_seen) {
    Json item = codec::AlarmStateJson(o.alarm);
    item["at"] = FormatRfc3339(o.at);
    seen.push_back(std::move(item));
  }
  return DumpJson(Json{{"percent", out.percent},
                       {"aliases", aliases},
                       {"shiftedAt", codec::TimeJson(out.shifted_at)},
                       {"bakeUntil", codec::TimeJson(out.bake_until)},
                       {"reports", reports},
                       {"alarmsSeen", seen},
                       {"alarmFired", out.alarm_fired ? codec::AlarmStateJson(*out.alarm_fired)
                                                      : Json(nullptr)},
                       {"alarmSeenAt", codec::TimeJson(out.alarm_seen_at)}});
}

Result<ShiftStepOutputs> DecodeShiftStepOutputs(std::string_view json) {
  return DecodeObject("lambda.shift step outputs", json, [](const Json& j) {
    ShiftStepOutputs out;
    ReadInt(j, "percent", out.percent);
    for (const auto& item : ArrayAt(j, "aliases")) {
      if (!item.is_object()) Fail("an alias must be an object");
      ShiftedAlias a;
      a.function_name = item.at("functionName").get<std::string>();
      Read(item, "stable", a.stable);
      Read(item, "next", a.next);
      a.alias = codec::AliasFrom(codec::ObjectAt(item, "alias"));
      out.aliases.push_back(std::move(a));
    }
    out.shifted_at = codec::TimeFrom(j, "shiftedAt");
    out.bake_until = codec::TimeFrom(j, "bakeUntil");
    for (const auto& r : ArrayAt(j, "reports")) out.reports.push_back(codec::ShiftReportFrom(r));
    for (const auto& o : ArrayAt(j, "alarmsSeen")) {
      auto at = codec::TimeFrom(o, "at");
      if (!at) Fail("an alarm state seen needs its time");
      out.alarms_seen.push_back(AlarmObservation{*at, codec::AlarmStateFrom(o)});
    }
    if (auto it = j.find("alarmFired"); it != j.end() && !it->is_null()) {
      out.alarm_fired = codec::AlarmStateFrom(*it);
    }
    out.alarm_seen_at = codec::TimeFrom(j, "alarmSeenAt");
    return out;
  });
}

}  // namespace ferry::lambda
