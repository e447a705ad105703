// wait (lambda_steps.h): holds the execution for a fixed time inside the engine — a workflow's
// `wait` step. Its inputs are {"millis": N}; it records {"until": RFC 3339} with the move that
// starts the wait, so a restarted engine waits only what is left. No task, nothing to undo.
#include "common/json.h"
#include "common/time.h"
#include "engine/steps/lambda_steps.h"

namespace ferry::engine {
namespace {

constexpr int64_t kMaxWaitMillis = int64_t{7} * 24 * 3600 * 1000;

Result<Duration> DecodeInputs(std::string_view json) {
  auto parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_object()) {
    return Error{ErrorCode::kInvalidArgument, "wait step inputs must be a JSON object"};
  }
  auto it = parsed->find("millis");
  if (it == parsed->end() || !it->is_number_integer() || it->get<int64_t>() < 1 ||
      it->get<int64_t>() > kMaxWaitMillis) {
    return Error{ErrorCode::kInvalidArgument,
                 "wait step inputs need millis: an integer from 1 to 7 days"};
  }
  return Duration{it->get<int64_t>()};
}

std::optional<TimePoint> UntilOf(std::string_view outputs) {
  auto parsed = ParseJson(outputs);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  auto it = parsed->find("until");
  if (it == parsed->end() || !it->is_string()) return std::nullopt;
  return ParseRfc3339(it->get<std::string>());
}

class WaitStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = DecodeInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(Duration d, DecodeInputs(ctx.step.inputs_json));
    const TimePoint until = ctx.clock.Now() + d;
    return StepMove::Wait("wait", until, DumpJson(Json{{"until", FormatRfc3339(until)}}),
                          "step " + ctx.step.name + ": waiting " + Engine::DescribeTimeout(d) +
                              " until " + FormatRfc3339(until));
  }

  Result<StepMove> OnWake(const StepContext& ctx) override {
    std::optional<TimePoint> until = UntilOf(ctx.step.outputs_json);
    if (!until || ctx.clock.Now() >= *until) return StepMove::Succeed();
    return StepMove::Wait("wait", *until);
  }
};

}  // namespace

std::unique_ptr<StepKind> NewWaitStep() { return std::make_unique<WaitStep>(); }

namespace steps {

StepSpec WaitStep(Duration duration, std::string name, Duration timeout) {
  return StepSpec{std::move(name), kWait, DumpJson(Json{{"millis", duration.count()}}), timeout};
}

}  // namespace steps
}  // namespace ferry::engine
