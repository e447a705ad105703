// Contract: AuditLog (see store/audit_log.h).
#include <string>

#include "store_contract.h"

namespace ferry::store::testing {
namespace {

TEST_P(StoreContractTest, AuditAppendAndListWithFiltersAndPaging) {
  auto& audit = store().audit();
  for (int i = 0; i < 5; ++i) {
    auto event = audit.Append({.actor = i % 2 == 0 ? "alice" : "bob",
                               .action = "approval.give",
                               .subject_type = "execution",
                               .subject_id = "exec-" + std::to_string(i),
                               .details_json = R"({"stage": "prod"})"});
    FERRY_ASSERT_OK(event);
    EXPECT_FALSE(event->id.empty());
    EXPECT_EQ(event->at, clock_.Now());
    EXPECT_EQ(event->details_json, R"({"stage":"prod"})");
    clock_.Advance(std::chrono::milliseconds(10));
  }
  auto alice = audit.List({.actor = "alice"});
  FERRY_ASSERT_OK(alice);
  EXPECT_EQ(alice->size(), 3u);
  auto one = audit.List({.subject_type = "execution", .subject_id = "exec-3"});
  FERRY_ASSERT_OK(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].actor, "bob");

  auto first = audit.List({.limit = 2});
  FERRY_ASSERT_OK(first);
  ASSERT_EQ(first->size(), 2u);
  auto rest = audit.List({.after_sequence = first->back().sequence, .limit = 10});
  FERRY_ASSERT_OK(rest);
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ(rest->front().subject_id, "exec-2");
}

TEST_P(StoreContractTest, AuditRejectsBadEntries) {
  auto& audit = store().audit();
  EXPECT_EQ(audit.Append({.actor = "", .action = "x", .subject_type = "t"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(audit.Append({.actor = "a", .action = "", .subject_type = "t"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(audit.Append({.actor = "a", .action = "x", .subject_type = "t", .details_json = "[1]"})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(audit.Append({.actor = "a", .action = "x", .subject_type = "t", .details_json = "{"})
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(audit.List({.limit = 0}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(audit.List({.limit = 100000}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(audit.List({})->empty());
}

}  // namespace
}  // namespace ferry::store::testing
