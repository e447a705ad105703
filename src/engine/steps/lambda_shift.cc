// lambda.shift (lambda_steps.h): moves a share of each alias's traffic to the version a deploy
// step of the same execution published (that step deployed with TrafficPolicy::kNone, so the
// aliases still serve their stable version), then holds it for the bake (F-PROGRESSIVE).
//
// States: "" → gate (with alarms: task cloudwatch.alarm-gate reads them once; one missing or in
// ALARM fails the step before any traffic moves) → shift (task lambda.shift: one
// RevisionId-guarded UpdateAlias per alias, guarded by what Ferry last left the alias as — the
// deploy step's record, or the newest shift step's before this one) → bake (outputs.bakeUntil is
// committed with the move, so a restarted engine waits only the rest: without alarms the engine
// waits; with alarms a cloudwatch.alarm-gate task watches them until then and the first alarm in
// ALARM fails the step, which rolls the deployment back) → done. An alias created by the deployment, or
// whose stable version is the new one, has nothing to shift.
// After the task: the functions' known state takes the aliases' new RevisionIds (a failed alias
// forgets its function's), and a shift to 100% (promotion) re-records the deployment records'
// aliases, so that a later rollback to this execution restores what it finally left.
// Undo: none of its own. The deploy step's rollback restores every alias it manages to the
// snapshot taken before the deployment (version and weights), one guarded call per alias.
#include <algorithm>
#include <map>

#include "common/strings.h"
#include "common/time.h"
#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"
#include "lambda/records.h"

namespace ferry::engine {
namespace {

using lambda::ShiftStepInputs;
using lambda::ShiftStepOutputs;

// One alias the step concerns.
struct Planned {
  std::string function_name;
  std::string alias;
  std::string stable;
  std::string next;
  lambda::AliasState current;  // as Ferry last left it (revision_id "" when unknown)
  lambda::AliasRouting to;
};

class LambdaShiftStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = lambda::DecodeShiftStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeShiftStepInputs(ctx.step.inputs_json));
    ShiftStepOutputs out;
    out.percent = in.percent;
    if (!in.alarms.empty()) {
      lambda::AlarmGateTask gate{in.target, in.alarms, std::nullopt, lambda::kAlarmPoll};
      return StepMove::RunTask(
          "gate", TaskRequest{lambda::kAlarmGateTask, lambda::EncodeAlarmGateTask(gate), in.selectors},
          lambda::EncodeShiftStepOutputs(out),
          "step " + ctx.step.name + ": checking alarms " + lambda::DescribeAlarms(in.alarms) +
              " before shifting");
    }
    return Shift(ctx, in, std::move(out));
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeShiftStepInputs(ctx.step.inputs_json));
    if (ctx.step.state == "gate" || ctx.step.state == "bake") return GateEnded(ctx, in, task);
    return ShiftEnded(ctx, in, task);
  }

  Result<StepMove> OnWake(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto out, lambda::DecodeShiftStepOutputs(ctx.step.outputs_json));
    if (!out.bake_until || ctx.clock.Now() >= *out.bake_until) {
      return StepMove::Succeed(std::nullopt, "step " + ctx.step.name + ": the bake ended at " +
                                                 std::to_string(out.percent) +
                                                 "% on the new version");
    }
    return StepMove::Wait("bake", *out.bake_until);
  }

 private:
  // Sets the aliases (the task "shift"), or goes on to the bake when there is nothing to set.
  static Result<StepMove> Shift(const StepContext& ctx, const ShiftStepInputs& in,
                                ShiftStepOutputs out) {
    FERRY_ASSIGN_OR_RETURN(auto planned, Plan(ctx, in));
    lambda::ShiftTask task{in.target, {}};
    for (const auto& p : planned) {
      if (lambda::SameRouting(lambda::RoutingOf(p.current), p.to)) {
        out.aliases.push_back({p.function_name, p.stable, p.next, p.current});
        continue;
      }
      task.shifts.push_back(lambda::AliasShift{p.function_name, p.alias,
                                               lambda::RoutingOf(p.current), p.current.revision_id,
                                               p.to});
    }
    if (task.shifts.empty()) {
      return AfterShift(ctx, in, std::move(out),
                        planned.empty() ? "no alias serves an older version (the deployment "
                                          "created them, or published no new version)"
                                        : "every alias serves this split already");
    }
    return StepMove::RunTask(
        "shift", TaskRequest{lambda::kShiftTask, lambda::EncodeShiftTask(task), in.selectors},
        lambda::EncodeShiftStepOutputs(out),
        "step " + ctx.step.name + ": moving " + std::to_string(task.shifts.size()) +
            " alias(es) to " + std::to_string(in.percent) + "% on the new version; task queued");
  }

  // The alarm gate's task ended: before the shift ("gate") or at the bake's end ("bake").
  static Result<StepMove> GateEnded(const StepContext& ctx, const ShiftStepInputs& in,
                                    const store::TaskRecord& task) {
    FERRY_ASSIGN_OR_RETURN(auto out, lambda::DecodeShiftStepOutputs(ctx.step.outputs_json));
    const bool before = ctx.step.state == "gate";
    auto result = lambda::DecodeAlarmGateResult(task.result_json.value_or("{}"));
    if (result.ok()) {
      for (auto& o : result->seen) out.alarms_seen.push_back(std::move(o));
      if (out.alarms_seen.size() > 400) {
        out.alarms_seen.erase(out.alarms_seen.begin(),
                              out.alarms_seen.end() - 400);  // the newest are kept
      }
    }
    const std::string nothing = before ? "; no traffic was shifted" : "";
    if (task.status != store::TaskStatus::kSucceeded) {
      // A gate that cannot be read is closed.
      return StepMove::Fail("alarm gate: " + steps::TaskError(task) + nothing,
                            lambda::EncodeShiftStepOutputs(out));
    }
    if (!result.ok()) {
      return StepMove::Fail("alarm gate: its result is unreadable (" + result.error().message +
                                ")" + nothing,
                            lambda::EncodeShiftStepOutputs(out));
    }
    if (result->fired) {
      const lambda::AlarmState& a = *result->fired;
      out.alarm_fired = a;
      out.alarm_seen_at = result->fired_seen_at;
      std::string when = a.updated ? " since " + FormatRfc3339(*a.updated) : "";
      return StepMove::Fail("alarm " + a.name + " is in ALARM" + when +
                                (a.reason.empty() ? "" : ": " + a.reason) + nothing,
                            lambda::EncodeShiftStepOutputs(out));
    }
    if (before) return Shift(ctx, in, std::move(out));
    return StepMove::Succeed(lambda::EncodeShiftStepOutputs(out),
                             "step " + ctx.step.name + ": the bake ended at " +
                                 std::to_string(out.percent) +
                                 "% on the new version; no alarm fired (" +
                                 std::to_string(result->checks) + " readings)");
  }

  static Result<StepMove> ShiftEnded(const StepContext& ctx, const ShiftStepInputs& in,
                                     const store::TaskRecord& task) {
    FERRY_ASSIGN_OR_RETURN(auto out, lambda::DecodeShiftStepOutputs(ctx.step.outputs_json));
    FERRY_ASSIGN_OR_RETURN(auto planned, Plan(ctx, in));
    auto result = lambda::DecodeShiftResult(task.result_json.value_or("{}"));
    std::map<std::string, std::vector<lambda::AliasState>> shifted;  // by function
    std::vector<std::string> failed;
    if (result.ok()) {
      for (auto& r : result->shifts) {
        auto p = std::find_if(planned.begin(), planned.end(), [&](const Planned& x) {
          return x.function_name == r.function_name && x.alias == r.alias;
        });
        if (r.after && p != planned.end()) {
          out.aliases.push_back({r.function_name, p->stable, p->next, *r.after});
          shifted[r.function_name].push_back(*r.after);
        }
        if (r.error) failed.push_back(r.function_name);
        out.reports.push_back(std::move(r));
      }
    } else {
      ctx.Log(store::LogLevel::kWarn, "the shift task's result is unreadable (" +
                                          result.error().message + ")");
      for (const auto& p : planned) failed.push_back(p.function_name);
    }
    FERRY_RETURN_IF_ERROR(steps::UpdateKnownAliases(ctx.store, in.target, shifted));
    if (task.status != store::TaskStatus::kSucceeded) {
      // Something may have changed that Ferry did not see: those functions are read next time.
      for (const auto& p : planned) {
        if (!shifted.count(p.function_name)) failed.push_back(p.function_name);
      }
      std::sort(failed.begin(), failed.end());
      failed.erase(std::unique(failed.begin(), failed.end()), failed.end());
      FERRY_RETURN_IF_ERROR(steps::ForgetKnownFunctions(ctx.store, in.target, failed));
      return StepMove::Fail(steps::TaskError(task), lambda::EncodeShiftStepOutputs(out));
    }
    out.shifted_at = ctx.clock.Now();
    if (in.percent == 100) {
      FERRY_RETURN_IF_ERROR(steps::RecordAliases(ctx.store, ctx.execution.id, shifted));
    }
    return AfterShift(ctx, in, std::move(out), "");
  }

  // Every alias the step concerns and what it should serve after it.
  static Result<std::vector<Planned>> Plan(const StepContext& ctx, const ShiftStepInputs& in) {
    const store::StepRecord* deploy = nullptr;
    for (const auto& s : ctx.steps) {
      if (s.name == in.deploy_step && s.kind == steps::kLambdaDeploy && !s.undo_of) deploy = &s;
    }
    if (deploy == nullptr || deploy->index >= ctx.step.index) {
      return Error{ErrorCode::kFailedPrecondition,
                   "there is no deploy step " + QuoteForMessage(in.deploy_step) +
                       " before this step: nothing to shift traffic to"};
    }
    if (deploy->status != store::StepStatus::kSucceeded) {
      return Error{ErrorCode::kFailedPrecondition,
                   "deploy step " + deploy->name + " did not succeed: nothing to shift traffic to"};
    }
    FERRY_ASSIGN_OR_RETURN(auto deployed, lambda::DecodeDeployStepOutputs(deploy->outputs_json));
    // What Ferry last left each alias as: the deploy step's record, then each shift step since.
    std::map<std::pair<std::string, std::string>, lambda::AliasState> current;
    for (const auto& d : deployed.deployments) {
      for (const auto& a : d.aliases) current[{d.function_name, a.name}] = a;
    }
    for (const auto& s : ctx.steps) {
      if (s.index >= ctx.step.index || s.kind != steps::kLambdaShift || s.undo_of) continue;
      auto earlier = lambda::DecodeShiftStepOutputs(s.outputs_json);
      if (!earlier.ok()) continue;
      for (const auto& a : earlier->aliases) current[{a.function_name, a.alias.name}] = a.alias;
    }
    std::vector<Planned> out;
    for (const auto& d : deployed.deployments) {
      if (!d.ok() || !d.snapshot.exists || d.version.empty()) continue;
      for (const auto& name : d.deployed_aliases) {
        const lambda::AliasState* before = d.snapshot.FindAlias(name);
        if (before == nullptr || before->version == d.version) continue;
        Planned p;
        p.function_name = d.function_name;
        p.alias = name;
        p.stable = before->version;
        p.next = d.version;
        auto it = current.find({d.function_name, name});
        p.current = it != current.end() ? it->second : *before;
        if (it == current.end()) p.current.revision_id.clear();  // unknown: read first
        p.to = lambda::RoutingAt(p.stable, p.next, in.percent);
        out.push_back(std::move(p));
      }
    }
    return out;
  }

  // After the aliases are set: hold for the bake, or succeed.
  static Result<StepMove> AfterShift(const StepContext& ctx, const ShiftStepInputs& in,
                                     ShiftStepOutputs out, const std::string& why_nothing) {
    std::string line = "step " + ctx.step.name + ": ";
    if (!why_nothing.empty()) {
      line += "nothing to shift: " + why_nothing;
    } else {
      for (size_t i = 0; i < out.aliases.size() && i < 5; ++i) {
        const auto& a = out.aliases[i];
        line += (i > 0 ? "; " : "") + a.function_name + " alias " + a.alias.name + ": " +
                lambda::DescribeRouting(a.alias.version, a.alias.weights);
      }
      if (out.aliases.size() > 5) line += "; and " + std::to_string(out.aliases.size() - 5) + " more";
    }
    if (in.bake <= Duration{0} || !why_nothing.empty()) {
      return StepMove::Succeed(lambda::EncodeShiftStepOutputs(out), line);
    }
    const TimePoint until = ctx.clock.Now() + in.bake;
    out.bake_until = until;
    line += "; holding " + Engine::DescribeTimeout(in.bake) + " until " + FormatRfc3339(until);
    if (!in.alarms.empty()) {
      // A delegate watches the alarms until the bake's end (the task carries the end itself).
      lambda::AlarmGateTask watch{in.target, in.alarms, until, lambda::kAlarmPoll};
      return StepMove::RunTask(
          "bake",
          TaskRequest{lambda::kAlarmGateTask, lambda::EncodeAlarmGateTask(watch), in.selectors},
          lambda::EncodeShiftStepOutputs(out), line + ", watching alarms " +
                                                    lambda::DescribeAlarms(in.alarms));
    }
    return StepMove::Wait("bake", until, lambda::EncodeShiftStepOutputs(out), line);
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaShiftStep() { return std::make_unique<LambdaShiftStep>(); }

namespace steps {

StepSpec LambdaShiftStep(const lambda::ShiftStepInputs& inputs, std::string name,
                         Duration timeout) {
  return StepSpec{std::move(name), kLambdaShift, lambda::EncodeShiftStepInputs(inputs), timeout};
}

}  // namespace steps
}  // namespace ferry::engine
