// ApprovalStore contract: one approval per (execution, step), reopened unchanged; the first
// decision wins; decisions and opens are audited; hostile input is refused and changes nothing;
// a waiting approval survives a reopen of the store.
#include <algorithm>
#include <functional>

#include "common/time.h"
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

NewApproval Gate(const std::string& execution_id) {
  return NewApproval{.execution_id = execution_id,
                     .step_index = 1,
                     .step_name = "approve-prod",
                     .application = "shop",
                     .message = "ship v1 to prod?",
                     .user_groups = {"release-managers", "sre"},
                     .inputs_json = R"([{"name":"ticket","required":true}])",
                     .expires_at = FromUnixMillis(5'000'000),
                     .approve_on_timeout = false};
}

TEST_P(StoreContractTest, ApprovalsOpenOncePerStepAndSurviveReopen) {
  ExecutionRecord e = CreateExecution();
  auto none = store().approvals().ForStep(e.id, 1);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_FALSE(none->has_value());

  auto opened = store().approvals().Open(Gate(e.id), "engine");
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(opened->status, ApprovalStatus::kWaiting);
  EXPECT_EQ(opened->user_groups, (std::vector<std::string>{"release-managers", "sre"}));
  EXPECT_EQ(opened->expires_at, FromUnixMillis(5'000'000));
  NewApproval changed = Gate(e.id);
  changed.message = "another message";
  auto again = store().approvals().Open(changed, "engine");  // a resumed step re-opens
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, opened->id);
  EXPECT_EQ(again->message, "ship v1 to prod?");

  Reopen();
  auto found = store().approvals().ForStep(e.id, 1);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, opened->id);
  auto waiting = store().approvals().List({.status = ApprovalStatus::kWaiting});
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ(waiting->front().message, "ship v1 to prod?");
}

TEST_P(StoreContractTest, ApprovalFirstDecisionWinsAndIsAudited) {
  ExecutionRecord e = CreateExecution();
  auto opened = store().approvals().Open(Gate(e.id), "engine");
  ASSERT_TRUE(opened.ok());
  clock_.Advance(std::chrono::seconds(7));
  auto decided = store().approvals().Decide({.id = opened->id,
                                             .approve = true,
                                             .comment = "looks good",
                                             .values_json = R"({"ticket":"CHG-1"})"},
                                            Actor("user:alice", "10.0.0.1"));
  ASSERT_TRUE(decided.ok()) << decided.error().ToString();
  EXPECT_EQ(decided->status, ApprovalStatus::kApproved);
  EXPECT_EQ(decided->decided_by, "user:alice");
  EXPECT_EQ(decided->decided_source, "10.0.0.1");
  EXPECT_EQ(decided->decided_at, clock_.Now());
  EXPECT_EQ(decided->comment, "looks good");
  EXPECT_EQ(decided->values_json, R"({"ticket":"CHG-1"})");

  auto late = store().approvals().Decide({.id = opened->id, .approve = false}, "user:bob");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(late.error().message.find("user:alice"), std::string::npos);
  auto stored = store().approvals().Get(opened->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, ApprovalStatus::kApproved);

  auto events = store().audit().List({.subject_type = std::string("approval")});
  ASSERT_TRUE(events.ok()) << events.error().ToString();
  std::vector<std::string> actions;
  for (const auto& ev : *events) actions.push_back(ev.action);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "approval.open"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "approval.approve"), actions.end());
  auto listed = store().approvals().List({.status = ApprovalStatus::kWaiting});
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_P(StoreContractTest, ApprovalTimeoutIsRecordedAsSuch) {
  ExecutionRecord e = CreateExecution();
  auto opened = store().approvals().Open(Gate(e.id), "engine");
  ASSERT_TRUE(opened.ok());
  auto decided = store().approvals().Decide({.id = opened->id, .approve = false, .timed_out = true},
                                            "timeout");
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(decided->status, ApprovalStatus::kRejected);
  EXPECT_TRUE(decided->timed_out);
  EXPECT_EQ(decided->decided_by, "timeout");
}

TEST_P(StoreContractTest, ApprovalsRefuseHostileInput) {
  ExecutionRecord e = CreateExecution();
  NewApproval unknown = Gate("ex-none");
  EXPECT_EQ(store().approvals().Open(unknown, "engine").error().code, ErrorCode::kNotFound);
  for (auto mutate : std::vector<std::function<void(NewApproval&)>>{
           [](NewApproval& a) { a.step_name = ""; },
           [](NewApproval& a) { a.application = std::string("a\x01", 2); },
           [](NewApproval& a) { a.message = std::string(kMaxApprovalMessageBytes + 1, 'm'); },
           [](NewApproval& a) { a.user_groups = {""}; },
           [](NewApproval& a) { a.inputs_json = "{}"; },
           [](NewApproval& a) { a.inputs_json = "[unterminated"; },
           [](NewApproval& a) { a.step_index = -1; }}) {
    NewApproval a = Gate(e.id);
    mutate(a);
    auto r = store().approvals().Open(a, "engine");
    EXPECT_FALSE(r.ok());
  }
  auto none = store().approvals().ForStep(e.id, 1);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto opened = store().approvals().Open(Gate(e.id), "engine");
  ASSERT_TRUE(opened.ok());
  for (const ApprovalDecision& bad : std::vector<ApprovalDecision>{
           {.id = opened->id, .comment = std::string(kMaxApprovalCommentBytes + 1, 'c')},
           {.id = opened->id, .values_json = "[]"},
           {.id = opened->id, .values_json = R"({"n":1})"},
           {.id = opened->id, .values_json = "{"},
           {.id = ""}}) {
    auto r = store().approvals().Decide(bad, "user:alice");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().ToString();
  }
  EXPECT_EQ(store().approvals().Decide({.id = "nope"}, "user:alice").error().code,
            ErrorCode::kNotFound);
  auto still = store().approvals().Get(opened->id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->status, ApprovalStatus::kWaiting);
  EXPECT_EQ(store().approvals().List({.limit = 0}).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::store::testing
