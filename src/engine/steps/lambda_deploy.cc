// lambda.deploy (lambda_steps.h): deploys a service's functions.
//
// States: "" → snapshot (task lambda.snapshot, only for the functions Ferry has no record of:
// the others start from what Ferry last left them as, which costs no call) → deploy (task
// lambda.deploy with every function's snapshot, recorded in the step's outputs first) → done.
// A function whose recorded snapshot turned out stale (drift: something moved it outside Ferry)
// comes back from the deploy task with a corrected snapshot and unchanged drifted aliases; the
// step records the correction, then deploys those functions again (redeploy-1, -2, at most
// kMaxRedeploys) with the corrected snapshot. At the end the step records one deployment per
// function and what each deployment left (the functions' known state).
// Undo: a lambda.rollback step restoring every function that may have changed to its snapshot —
// every managed alias when the snapshot is exact, only the aliases the deployment moved when it
// is Ferry's unconfirmed record (with traffic left to lambda.shift steps: every managed alias that
// carries the new version), and by version when the task's record was lost.
#include <algorithm>
#include <map>

#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"
#include "lambda/deploy_plan.h"
#include "lambda/records.h"

namespace ferry::engine {
namespace {

using lambda::DeployStepInputs;
using lambda::DeployStepOutputs;
using lambda::FunctionDeployment;

constexpr int kMaxRedeploys = 3;
constexpr char kRedeployPrefix[] = "redeploy-";

std::vector<std::string> NamesOf(const DeployStepInputs& in) {
  std::vector<std::string> names;
  for (const auto& f : in.functions) names.push_back(f.function_name);
  return names;
}

lambda::Snapshot* FindSnapshot(DeployStepOutputs& out, const std::string& name) {
  for (auto& s : out.snapshots) {
    if (s.function.function_name == name) return &s;
  }
  return nullptr;
}

const FunctionDeployment* FindDeployment(const DeployStepOutputs& out, const std::string& name) {
  for (const auto& d : out.deployments) {
    if (d.function_name == name) return &d;
  }
  return nullptr;
}

class LambdaDeployStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeDeployStepInputs(inputs_json));
    if (in.functions.empty()) return Error{ErrorCode::kInvalidArgument, "no function to deploy"};
    std::set<std::string> names;
    for (const auto& f : in.functions) {
      FERRY_RETURN_IF_ERROR(lambda::ValidateDesired(f));
      if (!names.insert(f.function_name).second) {
        return Error{ErrorCode::kInvalidArgument,
                     "function " + f.function_name + " is deployed twice by one step"};
      }
    }
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeDeployStepInputs(ctx.step.inputs_json));
    FERRY_ASSIGN_OR_RETURN(auto known, steps::LoadKnownFunctions(ctx.store, in.target, NamesOf(in)));
    DeployStepOutputs out;
    lambda::SnapshotTask read{in.target, {}};
    for (const auto& f : in.functions) {
      auto it = known.find(f.function_name);
      if (it != known.end()) {
        out.snapshots.push_back(lambda::Snapshot{it->second, lambda::SnapshotSource::kRecorded});
      } else {
        read.function_names.push_back(f.function_name);
      }
    }
    if (!read.function_names.empty()) {
      return StepMove::RunTask(
          "snapshot", TaskRequest{lambda::kSnapshotTask, lambda::EncodeSnapshotTask(read), in.selectors},
          lambda::EncodeDeployStepOutputs(out),
          "step " + ctx.step.name + ": reading " + std::to_string(read.function_names.size()) +
              " function(s) Ferry has no record of; snapshot task queued");
    }
    return Deploy(ctx, in, std::move(out), "deploy", {}, true);
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeDeployStepInputs(ctx.step.inputs_json));
    FERRY_ASSIGN_OR_RETURN(auto out, lambda::DecodeDeployStepOutputs(ctx.step.outputs_json));
    const bool succeeded = task.status == store::TaskStatus::kSucceeded;
    if (ctx.step.state == "snapshot") {
      if (!succeeded) return StepMove::Fail(steps::TaskError(task), EncodeDeployStepOutputs(out));
      FERRY_ASSIGN_OR_RETURN(auto read, lambda::DecodeSnapshotResult(task.result_json.value_or("{}")));
      for (auto& s : read.snapshots) {
        out.snapshots.push_back(lambda::Snapshot{std::move(s), lambda::SnapshotSource::kRead});
      }
      return Deploy(ctx, in, std::move(out), "deploy", {}, true);
    }
    // A deploy (or redeploy) task: what it did, also when it failed or was cancelled.
    auto result = lambda::DecodeDeployResult(task.result_json.value_or("{}"));
    if (!result.ok()) {
      ctx.Log(store::LogLevel::kWarn, "the deploy task's result is unreadable (" +
                                          result.error().message + "); rolling back by snapshot");
    }
    if (result.ok() && task.result_json && result->deployments.empty()) {
      // The delegate reported that it started no function (a secret or the connection could
      // not be read): nothing of this task's needs undoing.
      for (const auto& name : TaskFunctions(ctx.step.state, in, out)) {
        std::erase_if(out.deployments,
                      [&](const FunctionDeployment& x) { return x.function_name == name; });
        FunctionDeployment none;
        none.function_name = name;
        out.deployments.push_back(std::move(none));
      }
    }
    std::vector<std::string> drifted;
    for (auto& d : result.ok() ? result->deployments : std::vector<FunctionDeployment>{}) {
      if (d.drifted) {
        drifted.push_back(d.function_name);
        ctx.Log(store::LogLevel::kWarn, d.function_name + ": " + d.drift +
                                            "; the rollback target is corrected, deploying again");
        if (lambda::Snapshot* s = FindSnapshot(out, d.function_name)) {
          *s = lambda::Snapshot{d.snapshot, lambda::SnapshotSource::kRead};
        }
      }
      std::erase_if(out.deployments,
                    [&](const FunctionDeployment& x) { return x.function_name == d.function_name; });
      out.deployments.push_back(std::move(d));
    }
    if (succeeded && !drifted.empty()) {
      const int round = Redeploys(ctx.step.state) + 1;
      if (round <= kMaxRedeploys) {
        return Deploy(ctx, in, std::move(out), kRedeployPrefix + std::to_string(round), drifted,
                      false);
      }
      return Finish(ctx, in, std::move(out), false,
                    "functions kept changing outside Ferry during the deployment: " +
                        JoinNames(drifted));
    }
    return Finish(ctx, in, std::move(out), succeeded, steps::TaskError(task));
  }

  Result<StepMove> OnTimeout(const StepContext& ctx, const store::TaskRecord* task) override {
    const std::string error = "timed out after " + Engine::DescribeTimeout(ctx.timeout) +
                              " (the step's timeout); the task was cancelled";
    if (task == nullptr) return StepMove::Fail(error);
    FERRY_ASSIGN_OR_RETURN(StepMove ended, OnTaskEnded(ctx, *task));
    return StepMove::Fail(error, std::move(ended.outputs_json));
  }

  Result<std::vector<store::NewStep>> Undo(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeDeployStepInputs(ctx.step.inputs_json));
    auto decoded = lambda::DecodeDeployStepOutputs(ctx.step.outputs_json);
    if (!decoded.ok()) return std::vector<store::NewStep>{};  // never got as far as a snapshot
    DeployStepOutputs& out = *decoded;
    if (!out.deploying) return std::vector<store::NewStep>{};  // nothing was changed
    lambda::RollbackStepInputs undo;
    undo.selectors = in.selectors;
    undo.task.target = in.target;
    undo.task.keep_created_functions = in.keep_created_functions;
    bool any_started = false;  // a function may have changed (its record lost counts)
    for (const auto& f : in.functions) {
      const std::set<std::string> managed(f.aliases.begin(), f.aliases.end());
      lambda::RollbackTarget target;
      const FunctionDeployment* d = FindDeployment(out, f.function_name);
      any_started |= d == nullptr || d->started;
      if (d != nullptr) {
        if (!d->started || !d->snapshot_taken) continue;
        target.snapshot = d->snapshot;
        if (d->snapshot_confirmed || !d->snapshot.exists) {
          target.aliases = managed;
        } else if (f.traffic == lambda::TrafficPolicy::kNone) {
          // Traffic steps after this one may have moved any managed alias (guarded by Ferry's
          // record, which no read confirmed): restore those that carry a version this
          // deployment published.
          target.aliases = managed;
          target.unconfirmed = true;
        } else {
          target.aliases = d->moved_aliases;
        }
        if (target.snapshot.exists && target.aliases.empty()) continue;  // moved nothing
      } else if (lambda::Snapshot* s = FindSnapshot(out, f.function_name)) {
        // The task's record of this function was lost (its delegate died): restore what it may
        // have moved — by version when the snapshot is Ferry's unconfirmed record.
        target.snapshot = s->function;
        target.aliases = managed;
        target.unconfirmed = s->source == lambda::SnapshotSource::kRecorded;
      } else {
        continue;
      }
      if (target.snapshot.function_name.empty()) target.snapshot.function_name = f.function_name;
      undo.task.functions.push_back(std::move(target));
    }
    if (!any_started) return std::vector<store::NewStep>{};  // the task touched no function
    // Even with nothing to restore (no alias moved) the step runs: the execution then says it
    // rolled back, and its log why nothing needed restoring.
    return std::vector<store::NewStep>{store::NewStep{
        "rollback", steps::kLambdaRollback, lambda::EncodeRollbackStepInputs(undo), {}, {}}};
  }

 private:
  static int Redeploys(const std::string& state) {
    if (state.rfind(kRedeployPrefix, 0) != 0) return 0;
    return std::atoi(state.c_str() + sizeof(kRedeployPrefix) - 1);
  }

  // The functions the task of `state` deployed: all of them, or those a redeploy redeploys (the
  // ones the task before reported drifted).
  static std::vector<std::string> TaskFunctions(const std::string& state,
                                                const DeployStepInputs& in,
                                                const DeployStepOutputs& out) {
    std::vector<std::string> names;
    for (const auto& f : in.functions) {
      const FunctionDeployment* d = FindDeployment(out, f.function_name);
      if (Redeploys(state) == 0 || (d != nullptr && d->drifted)) names.push_back(f.function_name);
    }
    return names;
  }

  static std::string JoinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  // The deploy task of `state` for `only` (every function when empty). Snapshots are recorded in
  // the step's outputs in the same transaction that enqueues the task.
  Result<StepMove> Deploy(const StepContext& ctx, const DeployStepInputs& in, DeployStepOutputs out,
                          const std::string& state, const std::vector<std::string>& only,
                          bool reuse_lists) {
    lambda::DeployTask task;
    task.target = in.target;
    task.concurrency = in.concurrency;
    task.reuse_snapshot_lists = reuse_lists;
    std::vector<std::string> names;
    for (const auto& f : in.functions) {
      if (only.empty() || std::count(only.begin(), only.end(), f.function_name)) {
        names.push_back(f.function_name);
      }
    }
    FERRY_ASSIGN_OR_RETURN(auto managed,
                           steps::PreviouslyManaged(ctx.store, names, ctx.execution.id));
    for (const auto& f : in.functions) {
      if (std::find(names.begin(), names.end(), f.function_name) == names.end()) continue;
      lambda::DesiredFunction d = f;
      if (d.version_description.empty()) d.version_description = "ferry execution " + ctx.execution.id;
      if (auto it = managed.find(d.function_name); it != managed.end()) {
        d.previously_managed_tags.insert(it->second.tags.begin(), it->second.tags.end());
        d.previously_managed_environment.insert(it->second.environment.begin(),
                                                it->second.environment.end());
      }
      task.functions.push_back(std::move(d));
      if (lambda::Snapshot* s = FindSnapshot(out, f.function_name)) task.snapshots.push_back(*s);
    }
    out.deploying = true;
    return StepMove::RunTask(
        state, TaskRequest{lambda::kDeployTask, lambda::EncodeDeployTask(task), in.selectors},
        lambda::EncodeDeployStepOutputs(out),
        "step " + ctx.step.name + ": snapshot of " + std::to_string(out.snapshots.size()) +
            " function(s) recorded, " + state + " task queued");
  }

  // Records one deployment per function and what each left, then ends the step.
  Result<StepMove> Finish(const StepContext& ctx, const DeployStepInputs& in,
                          DeployStepOutputs out, bool succeeded, const std::string& error) {
    std::vector<std::string> names = NamesOf(in);
    FERRY_ASSIGN_OR_RETURN(auto managed, steps::PreviouslyManaged(ctx.store, names, ctx.execution.id));
    for (const auto& d : out.deployments) {
      if (!d.snapshot_taken) continue;
      const bool ok = succeeded && d.ok();
      lambda::DeploymentDetails details;
      details.managed_tags = d.managed_tags;
      details.managed_environment = d.managed_environment;
      if (!ok) {
        // It may have stopped before removing keys it inherited: they stay managed.
        if (auto it = managed.find(d.function_name); it != managed.end()) {
          details.managed_tags.insert(it->second.tags.begin(), it->second.tags.end());
          details.managed_environment.insert(it->second.environment.begin(),
                                             it->second.environment.end());
        }
      }
      details.deployed_aliases = d.deployed_aliases;
      details.changed = d.MutatingCalls() > 0;
      store::NewDeployment n;
      n.execution_id = ctx.execution.id;
      n.application = ctx.execution.application;
      n.service = ctx.execution.service;
      n.environment = ctx.execution.environment;
      n.function = d.function_name;
      n.function_arn = d.function_arn;
      n.version = d.version;
      n.code_sha256 = d.code_sha256;
      n.created_function = !d.snapshot.exists;
      n.snapshot_json = lambda::EncodeRecordedSnapshot(d.snapshot);
      n.aliases_json = lambda::EncodeRecordedAliases(d.aliases);
      n.details_json = lambda::EncodeDeploymentDetails(details);
      n.state = ok ? store::DeploymentState::kSucceeded : store::DeploymentState::kFailed;
      FERRY_RETURN_IF_ERROR(ctx.store.deployments().Record(n, "engine"));
    }
    FERRY_RETURN_IF_ERROR(
        steps::SaveKnownFunctions(ctx.store, in.target, ctx.execution.id, out.deployments, names));
    std::string outputs = lambda::EncodeDeployStepOutputs(out);
    if (!succeeded) return StepMove::Fail(error, std::move(outputs));
    return StepMove::Succeed(std::move(outputs));
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaDeployStep() { return std::make_unique<LambdaDeployStep>(); }

namespace steps {

StepSpec LambdaDeployStep(const lambda::DeployStepInputs& inputs, Duration timeout,
                          std::string name) {
  return StepSpec{std::move(name), kLambdaDeploy, lambda::EncodeDeployStepInputs(inputs), timeout};
}

}  // namespace steps
}  // namespace ferry::engine
