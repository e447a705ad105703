// approval (pipeline_steps.h): a step that waits for a person's decision. The decision lives in
// the store (ApprovalStore), never only in memory: the step re-reads it on every wake, and the
// expiry is the stored expires_at, so a restarted engine continues exactly where it was.
#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "engine/steps/pipeline_steps.h"

namespace ferry::engine {

std::string EncodeApprovalStepInputs(const ApprovalStepInputs& in) {
  Json inputs = Json::array();
  auto parsed = ParseJson(in.inputs_json);
  if (parsed.ok() && parsed->is_array()) inputs = *parsed;
  return DumpJson(Json{{"message", in.message},
                       {"userGroups", in.user_groups},
                       {"timeoutMillis", in.timeout.count()},
                       {"timeoutOutcome", in.approve_on_timeout ? "approve" : "reject"},
                       {"inputs", inputs}});
}

Result<ApprovalStepInputs> DecodeApprovalStepInputs(std::string_view json) {
  auto parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_object()) {
    return InvalidArgument("approval step inputs must be a JSON object");
  }
  const Json& j = *parsed;
  ApprovalStepInputs in;
  try {
    in.message = j.value("message", "");
    if (j.contains("userGroups"))
      in.user_groups = j.at("userGroups").get<std::vector<std::string>>();
    const int64_t ms = j.value("timeoutMillis", int64_t{0});
    if (ms < 1000 || Duration(ms) > kMaxApprovalTimeout) {
      return InvalidArgument("approval timeout must be from 1s to 30 days");
    }
    in.timeout = Duration(ms);
    const std::string outcome = j.value("timeoutOutcome", "reject");
    if (outcome != "reject" && outcome != "approve") {
      return InvalidArgument("approval timeoutOutcome must be reject or approve");
    }
    in.approve_on_timeout = outcome == "approve";
    const Json inputs = j.value("inputs", Json::array());
    if (!inputs.is_array()) return InvalidArgument("approval inputs must be an array");
    in.inputs_json = DumpJson(inputs);
  } catch (const Json::exception&) {
    return InvalidArgument("approval step inputs are malformed");
  }
  return in;
}

namespace {

Result<StepMove> Outcome(const StepContext& ctx, const store::ApprovalRecord& a) {
  if (a.status == store::ApprovalStatus::kApproved) {
    Json values = Json::object();
    if (auto parsed = ParseJson(a.values_json); parsed.ok()) values = *parsed;
    return StepMove::Succeed(DumpJson(Json{{"approval", a.id},
                                           {"decidedBy", a.decided_by.value_or("")},
                                           {"timedOut", a.timed_out},
                                           {"values", values}}),
                             "step " + ctx.step.name + ": approved by " +
                                 a.decided_by.value_or("?") + (a.comment ? ": " + *a.comment : ""));
  }
  std::string why = a.timed_out ? "timed out waiting for approval (rejected by its timeout)"
                                : "rejected by " + a.decided_by.value_or("?");
  if (a.comment && !a.comment->empty()) why += ": " + *a.comment;
  return StepMove::Fail(why, DumpJson(Json{{"approval", a.id},
                                           {"decidedBy", a.decided_by.value_or("")},
                                           {"timedOut", a.timed_out}}));
}

class ApprovalStep final : public StepKind {
 public:
  Status Validate(std::string_view inputs_json) const override {
    auto in = DecodeApprovalStepInputs(inputs_json);
    if (!in.ok()) return in.error();
    return Ok();
  }

  Result<StepMove> Start(const StepContext& ctx) override {
    FERRY_ASSIGN_OR_RETURN(auto in, DecodeApprovalStepInputs(ctx.step.inputs_json));
    store::NewApproval a;
    a.execution_id = ctx.execution.id;
    a.step_index = ctx.step.index;
    a.step_name = ctx.step.name;
    a.application = ctx.execution.application;
    a.message = in.message;
    a.user_groups = in.user_groups;
    a.inputs_json = in.inputs_json;
    a.expires_at = ctx.clock.Now() + in.timeout;
    a.approve_on_timeout = in.approve_on_timeout;
    FERRY_ASSIGN_OR_RETURN(auto opened, ctx.store.approvals().Open(a, "engine"));
    if (opened.status != store::ApprovalStatus::kWaiting) return Outcome(ctx, opened);
    std::string line = "step " + ctx.step.name + ": waiting for approval " + opened.id;
    if (!opened.user_groups.empty()) line += " by " + Join(opened.user_groups, ", ");
    line += " until " + FormatRfc3339(*opened.expires_at);
    return StepMove::Wait("waiting", *opened.expires_at, DumpJson(Json{{"approval", opened.id}}),
                          line);
  }

  Result<StepMove> OnWake(const StepContext& ctx) override { return Check(ctx); }

  Result<StepMove> OnTimeout(const StepContext& ctx, const store::TaskRecord*) override {
    return Check(ctx);
  }

 private:
  Result<StepMove> Check(const StepContext& ctx) {
    FERRY_ASSIGN_OR_RETURN(auto found,
                           ctx.store.approvals().ForStep(ctx.execution.id, ctx.step.index));
    if (!found) return Start(ctx);  // crashed between the step's start and the open
    store::ApprovalRecord a = std::move(*found);
    if (a.status == store::ApprovalStatus::kWaiting) {
      const TimePoint expires = a.expires_at.value_or(ctx.clock.Now());
      if (ctx.clock.Now() < expires) return StepMove::Wait("waiting", expires);
      auto decided = ctx.store.approvals().Decide(
          {.id = a.id, .approve = a.approve_on_timeout, .timed_out = true}, "timeout");
      if (decided.ok()) {
        a = std::move(*decided);
      } else if (decided.error().code == ErrorCode::kFailedPrecondition) {
        FERRY_ASSIGN_OR_RETURN(a, ctx.store.approvals().Get(a.id));  // a person was first
      } else {
        return decided.error();
      }
    }
    return Outcome(ctx, a);
  }
};

}  // namespace

std::unique_ptr<StepKind> NewApprovalStep() { return std::make_unique<ApprovalStep>(); }

namespace steps {

StepSpec ApprovalStep(const ApprovalStepInputs& inputs, std::string name) {
  return StepSpec{std::move(name), kApproval, EncodeApprovalStepInputs(inputs),
                  inputs.timeout + std::chrono::minutes(1)};
}

}  // namespace steps
}  // namespace ferry::engine
