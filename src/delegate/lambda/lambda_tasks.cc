#include "delegate/lambda/lambda_tasks.h"

#include <algorithm>
#include <map>
#include <type_traits>

#include "common/json.h"
#include "common/secret_mask.h"
#include "common/time.h"
#include "delegate/lambda/guard_runner.h"
#include "delegate/lambda/verify_runner.h"
#include "lambda/alarm_gate.h"
#include "lambda/guard.h"
#include "lambda/invoke.h"
#include "lambda/plan_summary.h"
#include "lambda/state_codec.h"
#include "lambda/tasks.h"
#include "lambda/verify.h"

namespace ferry::delegate {
namespace {

TaskResult Succeeded(std::string result_json) {
  return TaskResult{true, std::move(result_json), ""};
}

TaskResult Failed(std::string error, std::string result_json = "{}") {
  return TaskResult{false, std::move(result_json), std::move(error)};
}

// Moves each secret environment variable into config.environment with its value.
Status RenderSecretEnvironment(lambda::DesiredFunction& d, const SecretResolver& secrets) {
  for (const auto& [key, text] : d.secret_environment) {
    auto value = RenderSecretText(text, secrets);
    if (!value.ok()) {
      return value.error().WithContext(d.function_name + " environment." + key);
    }
    d.config.environment[key] = std::move(value).value();
  }
  d.secret_environment.clear();
  return Ok();
}

// Lambda refuses a function whose environment variables pass 4 KB, measured as the JSON of
// the variables ({"NAME":"value",...}; its error quotes that string). Checked here, after the
// templates and secrets are in, so the deploy fails before any AWS call, and says so without a
// value (they may be secrets).
constexpr size_t kMaxEnvironmentBytes = 4096;

Status CheckEnvironmentSize(const lambda::DesiredFunction& d) {
  if (d.config.environment.empty()) return Ok();
  Json variables = Json::object();
  for (const auto& [name, value] : d.config.environment) variables[name] = value;
  const size_t bytes = DumpJson(variables).size();
  if (bytes <= kMaxEnvironmentBytes) return Ok();
  return InvalidArgument("function " + d.function_name + ": its environment variables are " +
                         std::to_string(bytes) +
                         " bytes after templates and secrets (measured as Lambda does, as the "
                         "JSON of the variables); Lambda allows at most 4096 (4 KB)");
}

Status RenderAll(std::vector<lambda::DesiredFunction>& functions, const SecretResolver& secrets) {
  for (auto& f : functions) {
    FERRY_RETURN_IF_ERROR(RenderSecretEnvironment(f, secrets));
    FERRY_RETURN_IF_ERROR(CheckEnvironmentSize(f));
  }
  return Ok();
}

// The first failed function's error, "" when none failed.
template <typename Report>
std::string FirstError(const std::vector<Report>& reports) {
  for (const auto& r : reports) {
    if (r.error) return r.function_name + ": " + r.error->message;
  }
  return "";
}

class Runner {
 public:
  Runner(LambdaApi& api, const LambdaTaskOptions& options, const TaskAssignment& assignment,
         TaskContext& context, size_t concurrency, bool reuse_snapshot_lists)
      : api_(api),
        context_(context),
        options_(options),
        stop_(context.stop()),
        deployer_(api, Options(assignment, context, concurrency, reuse_snapshot_lists)) {}

  TaskResult Snapshot(const lambda::SnapshotTask& task) {
    lambda::SnapshotResult result;
    for (const auto& name : task.function_names) {
      auto observed = deployer_.Read(name, nullptr, stop_);
      if (!observed.ok()) return Failed(observed.error().message);
      result.snapshots.push_back(lambda::RedactEnvironment(*std::move(observed)));
    }
    return Succeeded(lambda::EncodeSnapshotResult(result));
  }

  TaskResult Deploy(lambda::DeployTask task) {
    if (auto rendered = RenderAll(task.functions, options_.secrets); !rendered.ok()) {
      return Failed(rendered.error().message);
    }
    std::map<std::string, const lambda::Snapshot*> by_name;
    for (const auto& s : task.snapshots) by_name[s.function.function_name] = &s;
    std::vector<const lambda::Snapshot*> snapshots;
    for (const auto& f : task.functions) {
      auto it = by_name.find(f.function_name);
      snapshots.push_back(it == by_name.end() ? nullptr : it->second);
    }
    lambda::DeployResult result{deployer_.DeployAll(task.functions, snapshots, stop_)};
    std::string error;
    for (const auto& d : result.deployments) {
      if (d.error) {
        error = d.function_name + ": " + d.error->message;
        break;
      }
    }
    std::string json = lambda::EncodeDeployResult(result);
    return error.empty() ? Succeeded(std::move(json)) : Failed(error, std::move(json));
  }

  TaskResult Rollback(const lambda::RollbackTask& task) {
    lambda::RollbackResult result{
        deployer_.RollbackAll(task.functions, task.keep_created_functions, stop_)};
    std::string error = FirstError(result.rollbacks);
    std::string json = lambda::EncodeRollbackResult(result);
    return error.empty() ? Succeeded(std::move(json)) : Failed(error, std::move(json));
  }

  TaskResult Prune(const lambda::PruneTask& task) {
    lambda::PruneResult result;
    for (const auto& f : task.functions) {
      lambda::PruneOptions options;
      options.keep = static_cast<size_t>(task.keep);
      options.protected_versions = f.protected_versions;
      result.pruned.push_back(deployer_.Prune(f.function_name, options, stop_));
      if (result.pruned.back().error) break;
    }
    std::string error = FirstError(result.pruned);
    std::string json = lambda::EncodePruneResult(result);
    return error.empty() ? Succeeded(std::move(json)) : Failed(error, std::move(json));
  }

  // Sets each alias's traffic split; stops at the first alias that fails (the step then fails
  // and its execution's rollback restores every alias).
  TaskResult Shift(const lambda::ShiftTask& task) {
    lambda::ShiftResult result;
    for (const auto& s : task.shifts) {
      if (stop_.stop_requested()) {
        return Failed("cancelled", lambda::EncodeShiftResult(result));
      }
      result.shifts.push_back(ShiftOne(s));
      if (result.shifts.back().error) break;
    }
    std::string error = FirstError(result.shifts);
    std::string json = lambda::EncodeShiftResult(result);
    return error.empty() ? Succeeded(std::move(json)) : Failed(error, std::move(json));
  }

  // Invokes each target `times` times and judges every answer (lambda/invoke.h); stops at the
  // first that fails. What a result keeps of a response is masked and cut.
  TaskResult Invoke(const lambda::InvokeTask& task) {
    lambda::InvokeResult result;
    const size_t total = task.targets.size() * static_cast<size_t>(task.times);
    for (const auto& target : task.targets) {
      for (int n = 0; n < task.times; ++n) {
        if (stop_.stop_requested()) return Failed("cancelled", lambda::EncodeInvokeResult(result));
        result.invocations.push_back(InvokeOne(task, target));
        const auto& last = result.invocations.back();
        context_.Log(TaskLogLevel::kInfo,
                     "invoked " + target.function_name +
                         (target.qualifier.empty() ? "" : ":" + target.qualifier) + ": " +
                         (last.passed() ? "passed" : "failed") + " in " +
                         std::to_string(last.latency.count()) + " ms");
        if (!last.passed()) {
          return Failed(lambda::DescribeFailure(last, result.invocations.size() - 1, total),
                        lambda::EncodeInvokeResult(result));
        }
      }
    }
    return Succeeded(lambda::EncodeInvokeResult(result));
  }

  // Reads each function and its package's CodeSha256, then plans; changes nothing. A function
  // that cannot be read or planned carries its error, and the task fails naming the first.
  TaskResult Plan(lambda::PlanTask task) {
    if (auto rendered = RenderAll(task.functions, options_.secrets); !rendered.ok()) {
      return Failed(rendered.error().message);
    }
    lambda::PlanResult result;
    for (auto& desired : task.functions) {
      lambda::FunctionPlan plan;
      plan.function_name = desired.function_name;
      const lambda::RecordedFunction* recorded = nullptr;
      for (const auto& r : task.recorded) {
        if (r.function.function_name == desired.function_name) recorded = &r;
      }
      auto planned = PlanOne(desired, recorded);
      if (planned.ok()) {
        plan = std::move(planned).value();
      } else {
        plan.error = planned.error();
      }
      result.functions.push_back(std::move(plan));
    }
    std::string error = FirstError(result.functions);
    std::string json = lambda::EncodePlanResult(result);
    return error.empty() ? Succeeded(std::move(json)) : Failed(error, std::move(json));
  }

 private:
  DeployerOptions Options(const TaskAssignment& assignment, TaskContext& context,
                          size_t concurrency, bool reuse_snapshot_lists) {
    DeployerOptions o;
    o.concurrency = concurrency;
    o.log = [&context](const std::string& line) { context.Log(TaskLogLevel::kInfo, line); };
    o.clock = options_.clock;
    // A later attempt follows one that may have changed aliases and versions since the snapshot.
    o.reuse_recorded_lists = reuse_snapshot_lists && assignment.attempt <= 1;
    o.earlier_attempts = assignment.attempt > 1;
    return o;
  }

  Result<lambda::FunctionPlan> PlanOne(lambda::DesiredFunction& desired,
                                       const lambda::RecordedFunction* recorded) {
    FERRY_RETURN_IF_ERROR(lambda::ValidateDesired(desired));
    FERRY_ASSIGN_OR_RETURN(auto current, deployer_.Read(desired.function_name, nullptr, stop_));
    if (current.exists && current.state != "Failed") {
      FERRY_ASSIGN_OR_RETURN(desired.code.code_sha256,
                             deployer_.ResolveCodeSha(desired, current, nullptr, stop_));
    }
    FERRY_ASSIGN_OR_RETURN(auto plan, lambda::PlanFunction(desired, current));
    if (recorded != nullptr) {
      plan.drift_checked = true;
      plan.drift = lambda::FindDrift(*recorded, current);
    }
    return plan;
  }

  lambda::Invocation InvokeOne(const lambda::InvokeTask& task, const lambda::InvokeTarget& target) {
    lambda::Invocation out;
    out.function_name = target.function_name;
    out.qualifier = target.qualifier;
    std::vector<std::string> ids;
    const auto started = std::chrono::steady_clock::now();
    auto got = api_.Invoke(target.function_name, target.qualifier, task.payload, task.timeout, &ids,
                           stop_);
    out.latency = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started);
    if (!ids.empty()) out.request_id = ids.back();
    if (!got.ok()) {
      Error e = got.error();
      if (e.code == ErrorCode::kDeadlineExceeded && task.timeout > Duration{0}) {
        e.message = "no answer within " + FormatDuration(task.timeout);
      }
      e.message = MaskSecrets(e.message);
      e.details.clear();
      out.error = std::move(e);
      return out;
    }
    out.status = got->status;
    out.function_error = got->function_error;
    out.executed_version = got->executed_version;
    for (auto& failure : lambda::JudgeInvocation(
             task.expect, lambda::InvocationAnswer{got->status, got->function_error, got->payload,
                                                   out.latency})) {
      out.failures.push_back(MaskSecrets(failure));
    }
    std::string masked = MaskSecrets(got->payload);
    if (masked.size() > lambda::kKeptResponseBytes) {
      size_t end = lambda::kKeptResponseBytes;
      while (end > 0 && (static_cast<unsigned char>(masked[end]) & 0xC0) == 0x80) --end;
      masked.resize(end);
      out.response_truncated = true;
    }
    out.response = std::move(masked);
    return out;
  }

  // One alias: read it when Ferry does not know its RevisionId, then one guarded UpdateAlias.
  lambda::ShiftReport ShiftOne(const lambda::AliasShift& s) {
    lambda::ShiftReport r;
    r.function_name = s.function_name;
    r.alias = s.alias;
    const std::string where = "alias " + s.alias;  // FirstError names the function
    auto call = [&](std::string operation, std::string description, bool mutating,
                    std::vector<std::string> ids, const Status& status) {
      r.calls.push_back(lambda::CallRecord{std::move(operation), std::move(description), mutating,
                                           std::move(ids),
                                           status.ok() ? "" : status.error().message});
    };
    auto read = [&]() -> Result<lambda::AliasState> {
      std::vector<std::string> ids;
      auto got = api_.ReadAlias(s.function_name, s.alias, &ids, stop_);
      call("GetAlias", "GetAlias " + s.function_name + ":" + s.alias, false, ids,
           got.ok() ? Ok() : Status(got.error()));
      return got;
    };
    auto changed_outside = [&](const lambda::AliasState& now) {
      return Error{ErrorCode::kFailedPrecondition,
                   where + " changed outside Ferry: it serves " +
                       lambda::DescribeRouting(now.version, now.weights) + " where Ferry left " +
                       lambda::DescribeRouting(s.from.version, s.from.weights) +
                       "; its traffic was not shifted"};
    };
    std::string guard = s.revision_id;
    if (guard.empty()) {
      auto now = read();
      if (!now.ok()) {
        r.error = now.error().WithContext(where);
        return r;
      }
      if (lambda::SameRouting(lambda::RoutingOf(*now), s.to)) {  // a retried task: done already
        r.after = *now;
        return r;
      }
      if (!lambda::SameRouting(lambda::RoutingOf(*now), s.from)) {
        r.error = changed_outside(*now);
        return r;
      }
      guard = now->revision_id;
    }
    std::vector<std::string> ids;
    auto routed = api_.RouteAlias(s.function_name, s.alias, s.to, guard, &ids, stop_);
    call("UpdateAlias",
         "UpdateAlias " + s.function_name + ":" + s.alias + " → " +
             lambda::DescribeRouting(s.to.version, s.to.weights) + " (RevisionId " + guard + ")",
         true, ids, routed.ok() ? Ok() : Status(routed.error()));
    if (routed.ok()) {
      r.after = *routed;
      context_.Log(TaskLogLevel::kInfo, s.function_name + " " + where + ": " +
                                            lambda::DescribeRouting(s.to.version, s.to.weights));
      return r;
    }
    if (routed.error().code != ErrorCode::kFailedPrecondition) {
      r.error = routed.error().WithContext(where);
      return r;
    }
    // The guard did not hold: say what the alias serves now.
    auto now = read();
    if (now.ok() && lambda::SameRouting(lambda::RoutingOf(*now), s.to)) {
      r.after = *now;
      return r;
    }
    r.error = now.ok() ? changed_outside(*now) : routed.error().WithContext(where);
    return r;
  }

  LambdaApi& api_;
  TaskContext& context_;
  const LambdaTaskOptions& options_;
  std::stop_token stop_;
  LambdaDeployer deployer_;
};

// Decodes a payload, or fails the task naming what is wrong with it.
template <typename Task, typename Decode, typename Run>
TaskResult With(const std::string& payload, Decode decode, Run run) {
  Result<Task> task = decode(payload);
  if (!task.ok()) return Failed(task.error().message);
  return run(std::move(task).value());
}

// The target of any Lambda payload: every payload type has one.
template <typename Task>
Result<LambdaApi*> ApiFor(LambdaApiProvider& provider, const Task& task) {
  return provider.For(task.target);
}

// Reads the gate's alarms until the task's `until` (or once), stopping at the first alarm in
// ALARM. Missing alarms end it at once. A read that fails fails the task: the gate fails closed.
TaskResult RunAlarmGate(AlarmReader& reader, const lambda::AlarmGateTask& task,
                        TaskContext& context, Clock& clock) {
  constexpr size_t kMaxSeen = 200;
  lambda::AlarmGateResult result;
  const std::stop_token stop = context.stop();
  for (;;) {
    std::vector<std::string> ids;
    auto read = reader.Read(task.alarms, &ids, stop);
    if (!read.ok()) {
      return Failed("cannot read the alarms (" + lambda::DescribeAlarms(task.alarms) +
                        "): " + read.error().message,
                    lambda::EncodeAlarmGateResult(result));
    }
    ++result.checks;
    const TimePoint now = clock.Now();
    for (const auto& a : *read) {
      auto last = std::find_if(result.alarms.begin(), result.alarms.end(),
                               [&](const lambda::AlarmState& x) { return x.name == a.name; });
      const bool changed = last == result.alarms.end() || last->state != a.state;
      if (changed && result.seen.size() < kMaxSeen) {
        result.seen.push_back(lambda::AlarmObservation{now, a});
        context.Log(TaskLogLevel::kInfo, "alarm " + a.name + ": " + a.state);
      }
    }
    result.alarms = *read;
    const lambda::AlarmVerdict verdict = lambda::JudgeAlarms(task.alarms, *read);
    if (!verdict.missing.empty()) {
      result.missing = verdict.missing;
      std::string names;
      for (const auto& n : verdict.missing) names += (names.empty() ? "" : ", ") + n;
      return Failed("no such CloudWatch alarm: " + names, lambda::EncodeAlarmGateResult(result));
    }
    if (verdict.fired) {
      result.fired = verdict.fired;
      result.fired_seen_at = now;
      return Succeeded(lambda::EncodeAlarmGateResult(result));
    }
    if (!task.until || now >= *task.until) return Succeeded(lambda::EncodeAlarmGateResult(result));
    const Duration rest = std::chrono::duration_cast<Duration>(*task.until - now);
    if (!clock.SleepFor(std::min(task.poll, rest), stop) || stop.stop_requested()) {
      return Failed("cancelled", lambda::EncodeAlarmGateResult(result));
    }
  }
}

}  // namespace

LambdaTaskHandler::LambdaTaskHandler(LambdaApiProvider& provider, LambdaTaskOptions options)
    : provider_(provider), options_(std::move(options)) {}

const std::vector<std::string>& LambdaTaskHandler::Kinds() {
  static const std::vector<std::string> kinds{
      lambda::kSnapshotTask, lambda::kDeployTask, lambda::kRollbackTask,  lambda::kPruneTask,
      lambda::kPlanTask,     lambda::kShiftTask,  lambda::kAlarmGateTask, lambda::kInvokeTask,
      lambda::kVerifyTask,   lambda::kGuardTask};
  return kinds;
}

TaskResult LambdaTaskHandler::Run(const TaskAssignment& assignment, TaskContext& context) {
  // Decodes the payload, finds the target's LambdaApi, runs `method` of a Runner on it.
  auto run = [&](auto task, auto method) -> TaskResult {
    auto api = ApiFor(provider_, task);
    if (!api.ok()) return Failed(api.error().message);
    size_t concurrency = options_.default_concurrency;
    bool reuse = true;
    if constexpr (std::is_same_v<decltype(task), lambda::DeployTask>) {
      if (task.concurrency > 0 && task.concurrency <= 256) {
        concurrency = static_cast<size_t>(task.concurrency);
      }
      reuse = task.reuse_snapshot_lists;
    }
    Runner runner(**api, options_, assignment, context, concurrency, reuse);
    return (runner.*method)(std::move(task));
  };
  const std::string& kind = assignment.kind;
  const std::string& payload = assignment.payload_json;
  if (kind == lambda::kSnapshotTask) {
    return With<lambda::SnapshotTask>(payload, lambda::DecodeSnapshotTask,
                                      [&](auto t) { return run(std::move(t), &Runner::Snapshot); });
  }
  if (kind == lambda::kDeployTask) {
    return With<lambda::DeployTask>(payload, lambda::DecodeDeployTask,
                                    [&](auto t) { return run(std::move(t), &Runner::Deploy); });
  }
  if (kind == lambda::kRollbackTask) {
    return With<lambda::RollbackTask>(payload, lambda::DecodeRollbackTask,
                                      [&](auto t) { return run(std::move(t), &Runner::Rollback); });
  }
  if (kind == lambda::kPruneTask) {
    return With<lambda::PruneTask>(payload, lambda::DecodePruneTask,
                                   [&](auto t) { return run(std::move(t), &Runner::Prune); });
  }
  if (kind == lambda::kPlanTask) {
    return With<lambda::PlanTask>(payload, lambda::DecodePlanTask,
                                  [&](auto t) { return run(std::move(t), &Runner::Plan); });
  }
  if (kind == lambda::kAlarmGateTask) {
    auto task = lambda::DecodeAlarmGateTask(payload);
    if (!task.ok()) return Failed(task.error().message);
    auto reader = provider_.AlarmsFor(task->target);
    if (!reader.ok()) return Failed(reader.error().message);
    Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock::Instance();
    return RunAlarmGate(**reader, *task, context, clock);
  }
  if (kind == lambda::kShiftTask) {
    return With<lambda::ShiftTask>(payload, lambda::DecodeShiftTask,
                                   [&](auto t) { return run(std::move(t), &Runner::Shift); });
  }
  if (kind == lambda::kInvokeTask) {
    return With<lambda::InvokeTask>(payload, lambda::DecodeInvokeTask,
                                    [&](auto t) { return run(std::move(t), &Runner::Invoke); });
  }
  if (kind == lambda::kVerifyTask) {
    auto task = lambda::DecodeVerifyTask(payload);
    if (!task.ok()) return Failed(task.error().message);
    auto reader = provider_.MetricsFor(task->target);
    if (!reader.ok()) return Failed(reader.error().message);
    return RunVerify(**reader, *task, context);
  }
  if (kind == lambda::kGuardTask) {
    auto task = lambda::DecodeGuardTask(payload);
    if (!task.ok()) return Failed(task.error().message);
    auto reader = provider_.MetricsFor(task->target);
    if (!reader.ok()) return Failed(reader.error().message);
    return RunGuard(**reader, *task, context);
  }
  return Failed("unknown task kind " + kind);
}

}  // namespace ferry::delegate
