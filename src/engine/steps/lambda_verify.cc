// lambda.verify (lambda_steps.h): a workflow's verify step (lambda/verify.h). Waits its window
// inside the engine (a durable wait: the window is recorded with the move that starts it, so a
// restarted engine waits only what is left), then hands the delegate a lambda.verify task that
// reads both sides' metrics from CloudWatch and judges them. The analysis is recorded in the
// store's verifications (one per execution and step) before the step moves on. A fail verdict —
// or no data, or marginal when the step's policy says so — fails the step, so the execution's
// failure strategy applies (rollback by default). Undo: none (the deploy step's rollback restores
// the aliases).
//
// States: "" → "window" (waiting until its end) → "verify" (task) → done.
// Outputs: {"canaryWindow": {start, end}} while waiting; then the verdict and its sentences.
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "engine/steps/lambda_invoke_support.h"
#include "engine/steps/lambda_steps.h"
#include "engine/steps/lambda_support.h"
#include "lambda/verify.h"

namespace ferry::engine {
namespace {

std::optional<lambda::VerifyWindow> WindowOf(std::string_view outputs) {
  auto parsed = ParseJson(outputs);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  auto w = parsed->find("canaryWindow");
  if (w == parsed->end() || !w->is_object()) return std::nullopt;
  auto start = ParseRfc3339(w->value("start", ""));
  auto end = ParseRfc3339(w->value("end", ""));
  if (!start || !end || *end <= *start) return std::nullopt;
  return lambda::VerifyWindow{*start, *end};
}

std::string WindowJson(const lambda::VerifyWindow& w) {
  return DumpJson(
      Json{{"canaryWindow", {{"start", FormatRfc3339(w.start)}, {"end", FormatRfc3339(w.end)}}}});
}

class LambdaVerifyStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = lambda::DecodeVerifyStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeVerifyStepInputs(ctx.step.inputs_json));
    // The subjects are checked now, so a step that cannot verify fails before its window.
    std::vector<std::string> skipped;
    auto subjects = SubjectsOf(ctx, in, &skipped);
    if (!subjects.ok()) return StepMove::Fail(subjects.error().message);
    if (subjects->empty()) {
      return StepMove::Succeed(DumpJson(Json{{"verdict", "skipped"}, {"skipped", skipped}}),
                               "step " + ctx.step.name +
                                   ": nothing to verify: " + Join(skipped, ", ") +
                                   " had no stable version before this deployment");
    }
    const TimePoint start = ctx.clock.Now();
    if (in.baseline && in.baseline->end > start) {
      return StepMove::Fail("the baseline window ends " + FormatRfc3339(in.baseline->end) +
                            ", after this verification starts (" + FormatRfc3339(start) +
                            "): a fixed baseline must be a past window");
    }
    if (in.baseline) {
      if (Status kept = lambda::CheckPeriodRetained(in.baseline->start, start, in.period_seconds);
          !kept.ok()) {
        return StepMove::Fail(kept.error().message);
      }
    }
    const lambda::VerifyWindow window{start, start + in.window};
    return StepMove::Wait("window", window.end, WindowJson(window),
                          "step " + ctx.step.name + ": " +
                              std::string(lambda::VerifyModeName(in.mode)) +
                              " verification; its window ends " + FormatRfc3339(window.end));
  }

  Result<StepMove> OnWake(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeVerifyStepInputs(ctx.step.inputs_json));
    auto window = WindowOf(ctx.step.outputs_json);
    if (!window) return StepMove::Fail("the step's window record is unreadable");
    if (ctx.clock.Now() < window->end) return StepMove::Wait("window", window->end);
    auto subjects = SubjectsOf(ctx, in);
    if (!subjects.ok()) return StepMove::Fail(subjects.error().message);
    lambda::VerifyTask task;
    task.target = in.target;
    task.mode = in.mode;
    task.subjects = std::move(subjects).value();
    task.canary = *window;
    task.period_seconds = in.period_seconds;
    task.sensitivity = in.sensitivity;
    task.metrics = in.metrics;
    if (in.mode == lambda::VerifyMode::kCanary) {
      task.baseline = *window;
    } else if (in.mode == lambda::VerifyMode::kFixedBaseline) {
      if (!in.baseline) return StepMove::Fail("mode fixed-baseline has no baseline window");
      task.baseline = *in.baseline;
    } else {
      auto baseline = PreviousWindow(ctx, task, in.window);
      if (!baseline.ok()) return StepMove::Fail(baseline.error().message);
      task.baseline = *baseline;
    }
    if (Status kept =
            lambda::CheckPeriodRetained(task.baseline.start, ctx.clock.Now(), task.period_seconds);
        !kept.ok()) {
      return StepMove::Fail(kept.error().message);
    }
    return StepMove::RunTask(
        "verify", TaskRequest{lambda::kVerifyTask, lambda::EncodeVerifyTask(task), in.selectors},
        std::nullopt,
        "step " + ctx.step.name + ": window ended; reading " +
            std::to_string(task.metrics.size() * task.subjects.size()) +
            " metric(s) from CloudWatch; task queued");
  }

  Result<StepMove> OnTaskEnded(const StepContext& ctx, const store::TaskRecord& task) override {
    FERRY_ASSIGN_OR_RETURN(auto in, lambda::DecodeVerifyStepInputs(ctx.step.inputs_json));
    if (task.status != store::TaskStatus::kSucceeded) {
      return StepMove::Fail("verification failed: " + steps::TaskError(task));
    }
    auto result = lambda::DecodeVerifyResult(task.result_json.value_or("{}"));
    if (!result.ok()) {
      return StepMove::Fail("the verification's result is unreadable (" + result.error().message +
                            ")");
    }
    const bool passed =
        result->verdict == "pass" || (result->verdict == "marginal" && !in.marginal_fails);
    auto recorded = ctx.store.verifications().Record(
        store::NewVerification{.execution_id = ctx.execution.id,
                               .step_name = ctx.step.name,
                               .mode = std::string(lambda::VerifyModeName(in.mode)),
                               .verdict = result->verdict,
                               .passed = passed,
                               .analysis_json = result->analysis_json});
    if (!recorded.ok()) return recorded.error().WithContext("recording the verification");
    for (const auto& s : result->sentences) ctx.Log(store::LogLevel::kInfo, s);
    Json outputs = {{"verdict", result->verdict},
                    {"summary", result->summary},
                    {"sentences", result->sentences},
                    {"passed", passed}};
    if (!passed) {
      return StepMove::Fail("verification " + result->verdict + ": " + result->summary +
                                (result->verdict == "marginal" ? " (marginalFails is set)" : ""),
                            DumpJson(outputs));
    }
    return StepMove::Succeed(DumpJson(outputs),
                             "step " + ctx.step.name + ": verification " + result->summary);
  }

 private:
  // Every (function, alias) the deploy step deployed, with the canary's and the stable versions.
  static Result<std::vector<lambda::VerifySubject>> SubjectsOf(
      const StepContext& ctx, const lambda::VerifyStepInputs& in,
      std::vector<std::string>* skipped = nullptr) {
    FERRY_ASSIGN_OR_RETURN(auto deployed, steps::DeployedBefore(ctx, in.deploy_step));
    std::vector<lambda::VerifySubject> out;
    for (const auto& d : deployed.deployments) {
      if (d.version.empty()) {
        return Error{
            ErrorCode::kFailedPrecondition,
            "deploy step " + in.deploy_step + " published no version of " + d.function_name};
      }
      for (const auto& alias : d.deployed_aliases) {
        lambda::VerifySubject s{d.function_name, alias, d.version, ""};
        const lambda::AliasState* before = d.snapshot_taken ? d.snapshot.FindAlias(alias) : nullptr;
        if (before != nullptr) s.baseline_version = before->version;
        // A first deployment (or one that published nothing new) has no stable version to
        // compare with: that alias is not verified, and the log says so.
        if (in.mode == lambda::VerifyMode::kCanary &&
            (s.baseline_version.empty() || s.baseline_version == s.canary_version)) {
          if (skipped != nullptr) skipped->push_back(d.function_name + ":" + alias);
          continue;
        }
        out.push_back(std::move(s));
      }
    }
    if (out.empty() && (skipped == nullptr || skipped->empty())) {
      return Error{ErrorCode::kFailedPrecondition,
                   "nothing to verify: deploy step " + in.deploy_step + " deployed no alias"};
    }
    if (out.size() > lambda::kMaxVerifyFunctions) {
      return Error{ErrorCode::kFailedPrecondition,
                   "too many aliases to verify in one step (at most " +
                       std::to_string(lambda::kMaxVerifyFunctions) + ")"};
    }
    return out;
  }

  // The same-length window after the newest earlier successful deployment of the functions,
  // ending no later than this window starts.
  static Result<lambda::VerifyWindow> PreviousWindow(const StepContext& ctx,
                                                     const lambda::VerifyTask& task,
                                                     Duration length) {
    std::optional<TimePoint> previous;
    for (const auto& s : task.subjects) {
      store::DeploymentFilter filter;
      filter.function = s.function_name;
      filter.state = store::DeploymentState::kSucceeded;
      filter.limit = 20;
      FERRY_ASSIGN_OR_RETURN(auto records, ctx.store.deployments().List(filter));
      for (const auto& r : records) {
        if (r.execution_id == ctx.execution.id || r.created_at >= task.canary.start) continue;
        if (!previous || r.created_at > *previous) previous = r.created_at;
        break;
      }
    }
    if (!previous) {
      return Error{ErrorCode::kFailedPrecondition,
                   "mode previous compares with the window after the previous deployment, and " +
                       task.subjects.front().function_name +
                       " has no earlier successful deployment"};
    }
    const TimePoint end = std::min(*previous + length, task.canary.start);
    return lambda::VerifyWindow{*previous, end};
  }
};

}  // namespace

std::unique_ptr<StepKind> NewLambdaVerifyStep() { return std::make_unique<LambdaVerifyStep>(); }

namespace steps {

StepSpec LambdaVerifyStep(const lambda::VerifyStepInputs& inputs, std::string name,
                          Duration timeout) {
  return StepSpec{std::move(name), kLambdaVerify, lambda::EncodeVerifyStepInputs(inputs), timeout};
}

}  // namespace steps
}  // namespace ferry::engine
