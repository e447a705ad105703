// lambda.restore (lambda_steps.h): restores aliases to what an earlier execution recorded (a
// rollback to it) or to what they were before one (an undo of it).
//
// States: "" → check (task lambda.snapshot: the functions now, recorded as the step's snapshots —
// its own undo target; every version the restore needs must still exist, else the step fails
// with "cannot roll back ..." naming the missing versions before any change) → restore (task
// lambda.rollback: one RevisionId-guarded UpdateAlias/CreateAlias per alias that differs; nothing
// is republished, no alias or function is deleted) → done: the deployment records the restore
// rolled away from become rolled_back. Undo: a lambda.rollback step putting the aliases back as
// the check found them.
#include <algorithm>
#include <map>

#include "common/strings.h"
#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"

namespace ferry::engine {
namespace {

using lambda::RestoreStepInputs;
using lambda::RestoreStepOutputs;

std::vector<std::string> NamesOf(const RestoreStepInputs& in) {
  std::vector<std::string> names;
  for (const auto& f : in.functions) names.push_back(f.function_name);
  return names;
}

std::set<std::string> AliasNames(const lambda::RestoreFunction& f) {
  std::set<std::string> names;
  for (const auto& a : f.aliases) names.insert(a.name);
  return names;
}

class LambdaRestoreStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeRestoreStepInputs(inputs_json));
    if (in.execution.empty()) {
      return Error{ErrorCode::kInvalidArgument, "a restore needs the execution it restores"};
    }
    if (in.functions.empty()) return Error{ErrorCode::kInvalidArgument, "no function to restore"};
    for (const auto& f : in.functions) {
      if (f.function_name.empty()) {
        return Error{ErrorCode::kInvalidArgument, "a function to restore has no name"};
      }
      if (f.aliases.empty()) {
        return Error{ErrorCode::kInvalidArgument, "no alias of " + f.function_name + " to restore"};
      }
      for (const auto& a : f.aliases) {
        if (a.name.empty() || a.version.empty()) {
          return Error{ErrorCode::kInvalidArgument,
                       "an alias of " + f.function_name + " has no name or version"};
        }
      }
    }
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeRestoreStepInputs(ctx.step.inputs_json));
    lambda::SnapshotTask read{in.target, NamesOf(in)};
    return StepMove::RunTask(
        "check", TaskRequest{lambda::kSnapshotTask, lambda::EncodeSnapshotTask(read), in.selectors});
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeRestoreStepInputs(ctx.step.inputs_json));
    const bool succeeded = task.status == store::TaskStatus::kSucceeded;
    if (ctx.step.state == "check") {
      if (!succeeded) return StepMove::Fail(steps::TaskError(task));
      FERRY_ASSIGN_OR_RETURN(auto read,
                             lambda::DecodeSnapshotResult(task.result_json.value_or("{}")));
      return Check(ctx, in, std::move(read.snapshots));
    }
    auto outputs = lambda::DecodeRestoreStepOutputs(ctx.step.outputs_json);
    RestoreStepOutputs out = outputs.ok() ? std::move(outputs).value() : RestoreStepOutputs{};
    auto result = lambda::DecodeRollbackResult(task.result_json.value_or("{}"));
    if (result.ok()) out.rollbacks = std::move(result->rollbacks);
    FERRY_RETURN_IF_ERROR(steps::ForgetKnownFunctions(ctx.store, in.target, NamesOf(in)));
    if (!succeeded) {
      return StepMove::Fail(steps::TaskError(task), lambda::EncodeRestoreStepOutputs(out));
    }
    FERRY_RETURN_IF_ERROR(steps::MarkRolledBackSince(ctx.store, ctx.execution, in.execution, in.undo));
    return StepMove::Succeed(lambda::EncodeRestoreStepOutputs(out));
  }

  Result<std::vector<store::NewStep>> Undo(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeRestoreStepInputs(ctx.step.inputs_json));
    auto out = lambda::DecodeRestoreStepOutputs(ctx.step.outputs_json);
    // Without snapshots the check failed: nothing was changed.
    if (!out.ok() || out->snapshots.empty()) return std::vector<store::NewStep>{};
    lambda::RollbackStepInputs undo;
    undo.selectors = in.selectors;
    undo.task.target = in.target;
    undo.task.keep_created_functions = true;  // a restore never creates a function
    for (const auto& f : in.functions) {
      auto it = std::find_if(out->snapshots.begin(), out->snapshots.end(),
                             [&](const auto& s) { return s.function_name == f.function_name; });
      if (it == out->snapshots.end()) continue;
      undo.task.functions.push_back(lambda::RollbackTarget{*it, AliasNames(f), false});
    }
    if (undo.task.functions.empty()) return std::vector<store::NewStep>{};
    return std::vector<store::NewStep>{store::NewStep{
        "rollback", steps::kLambdaRollback, lambda::EncodeRollbackStepInputs(undo), {}, {}}};
  }

 private:
  // The check ended: every version to restore must exist, else the step fails before any change
  // (and without snapshots, so there is nothing to undo).
  Result<StepMove> Check(const StepContext& ctx, const RestoreStepInputs& in,
                         std::vector<lambda::ObservedFunction> snapshots) {
    std::map<std::string, const lambda::ObservedFunction*> current;
    for (const auto& s : snapshots) current[s.function_name] = &s;
    std::vector<std::string> problems;
    lambda::RollbackTask restore;
    restore.target = in.target;
    restore.keep_created_functions = true;
    for (const auto& f : in.functions) {
      auto it = current.find(f.function_name);
      if (it == current.end() || !it->second->exists) {
        problems.push_back("function " + f.function_name + " no longer exists");
        continue;
      }
      std::set<std::string> missing;
      for (const auto& alias : f.aliases) {
        std::vector<std::string> needed{alias.version};
        for (const auto& [version, weight] : alias.weights) needed.push_back(version);
        for (const auto& v : needed) {
          if (v != lambda::kLatest && it->second->FindVersion(v) == nullptr) missing.insert(v);
        }
      }
      if (!missing.empty()) {
        std::vector<std::string> sorted(missing.begin(), missing.end());
        std::sort(sorted.begin(), sorted.end(), lambda::VersionLess);
        problems.push_back("version" + std::string(sorted.size() > 1 ? "s " : " ") +
                           Join(sorted, ", ") + " of " + f.function_name + " no longer exist" +
                           (sorted.size() > 1 ? "" : "s"));
        continue;
      }
      lambda::ObservedFunction target;
      target.exists = true;
      target.function_name = f.function_name;
      target.aliases = f.aliases;
      restore.functions.push_back(lambda::RollbackTarget{std::move(target), AliasNames(f), false});
    }
    if (!problems.empty()) {
      return StepMove::Fail(std::string("cannot roll back ") +
                            (in.undo ? "execution " : "to execution ") + in.execution + ": " +
                            Join(problems, "; ") + " (pruned or deleted since); nothing was changed");
    }
    RestoreStepOutputs out;
    out.snapshots = std::move(snapshots);
    return StepMove::RunTask(
        "restore",
        TaskRequest{lambda::kRollbackTask, lambda::EncodeRollbackTask(restore), in.selectors},
        lambda::EncodeRestoreStepOutputs(out),
        "step " + ctx.step.name + ": every version to restore exists, restore task queued");
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaRestoreStep() { return std::make_unique<LambdaRestoreStep>(); }

namespace steps {

StepSpec LambdaRestoreStep(const lambda::RestoreStepInputs& inputs, Duration timeout,
                           std::string name) {
  return StepSpec{std::move(name), kLambdaRestore, lambda::EncodeRestoreStepInputs(inputs),
                  timeout};
}

}  // namespace steps
}  // namespace ferry::engine
