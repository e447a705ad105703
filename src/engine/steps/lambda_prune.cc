// lambda.prune (lambda_steps.h): deletes old versions of the functions a deploy step deployed.
//
// It protects every version that the max(keep, kProtectedDeployments) most recent successful
// deployments of each function recorded (their version, and every alias version and weight), so
// that `ferry rollback` can go back that far, in addition to the aliases' versions (the delegate
// checks those). A function the execution's deploy step left with at most `keep` versions has
// nothing to prune and is left out: no calls for it (the 15/s control-plane quota is the bound of
// a large deployment); with none left, the step succeeds without a task. Its failure does not
// fail the execution.
#include <algorithm>
#include <map>

#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"
#include "lambda/records.h"
#include "store/limits.h"

namespace ferry::engine {
namespace {

// Pruning keeps the versions of at least this many recent successful deployments per function.
constexpr int kProtectedDeployments = 5;

class LambdaPruneStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = lambda::DecodePruneStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  bool Critical() const override { return false; }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodePruneStepInputs(ctx.step.inputs_json));
    // How many versions the execution's deploy steps left each function with.
    std::map<std::string, int> version_counts;
    for (const auto& step : ctx.steps) {
      if (step.kind != steps::kLambdaDeploy || step.undo_of) continue;
      auto outputs = lambda::DecodeDeployStepOutputs(step.outputs_json);
      if (!outputs.ok()) continue;
      for (const auto& d : outputs->deployments) version_counts[d.function_name] = d.version_count;
    }
    lambda::PruneTask task;
    task.target = in.target;
    task.keep = in.keep;
    for (const auto& name : in.function_names) {
      if (auto it = version_counts.find(name);
          it != version_counts.end() && it->second >= 0 && it->second <= in.keep) {
        continue;
      }
      FERRY_ASSIGN_OR_RETURN(auto protect, Protected(ctx.store, name, in.keep));
      task.functions.push_back(lambda::PruneFunction{name, std::move(protect)});
    }
    if (task.functions.empty()) {
      return StepMove::Succeed(lambda::EncodePruneResult({}),
                               "step " + ctx.step.name + ": every function has at most " +
                                   std::to_string(in.keep) + " versions; nothing to prune");
    }
    return StepMove::RunTask(
        "task", TaskRequest{lambda::kPruneTask, lambda::EncodePruneTask(task), in.selectors});
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodePruneStepInputs(ctx.step.inputs_json));
    auto result = lambda::DecodePruneResult(task.result_json.value_or("{}"));
    std::string outputs = result.ok() ? lambda::EncodePruneResult(*result) : "{}";
    if (result.ok()) {
      std::map<std::string, std::vector<std::string>> deleted;
      for (const auto& p : result->pruned) deleted[p.function_name] = p.deleted;
      FERRY_RETURN_IF_ERROR(steps::ForgetVersions(ctx.store, in.target, deleted));
    }
    if (task.status != store::TaskStatus::kSucceeded) {
      return StepMove::Fail(steps::TaskError(task), std::move(outputs));
    }
    return StepMove::Succeed(std::move(outputs));
  }

 private:
  // The versions recent successful deployments of the function recorded.
  static Result<std::set<std::string>> Protected(store::Store& store, const std::string& name,
                                                 int keep) {
    store::DeploymentFilter filter;
    filter.function = name;
    filter.state = store::DeploymentState::kSucceeded;
    filter.limit = std::clamp(std::max(keep, kProtectedDeployments), 1, store::kMaxPageSize);
    FERRY_ASSIGN_OR_RETURN(auto records, store.deployments().List(filter));
    std::set<std::string> protect;
    for (const auto& r : records) {
      if (!r.version.empty()) protect.insert(r.version);
      auto aliases = lambda::DecodeRecordedAliases(r.aliases_json);
      if (!aliases.ok()) continue;
      for (const auto& a : *aliases) {
        protect.insert(a.version);
        for (const auto& [version, weight] : a.weights) protect.insert(version);
      }
    }
    return protect;
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaPruneStep() { return std::make_unique<LambdaPruneStep>(); }

namespace steps {

StepSpec LambdaPruneStep(const lambda::PruneStepInputs& inputs, std::string name) {
  return StepSpec{std::move(name), kLambdaPrune, lambda::EncodePruneStepInputs(inputs), {}};
}

}  // namespace steps
}  // namespace ferry::engine
