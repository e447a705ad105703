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

TEST_P(StoreContractTest, AuditFiltersByActionApplicationAndTimeAndPagesNewestFirst) {
  auto& audit = store().audit();
  const TimePoint start = clock_.Now();
  for (int i = 0; i < 6; ++i) {
    FERRY_ASSERT_OK(audit.Append({.actor = "token:ci",
                                  .source = "10.0.0." + std::to_string(i),
                                  .action = i % 3 == 0 ? "plan.start" : "delegate.register",
                                  .application = i % 2 == 0 ? "shop" : "",
                                  .subject_type = "plan",
                                  .subject_id = "p" + std::to_string(i)}));
    clock_.Advance(std::chrono::minutes(1));
  }
  auto plans = audit.List({.action = "plan.start"});
  FERRY_ASSERT_OK(plans);
  ASSERT_EQ(plans->size(), 2u);
  EXPECT_EQ((*plans)[0].subject_id, "p0");
  EXPECT_EQ((*plans)[0].source, "10.0.0.0");
  EXPECT_EQ((*plans)[0].application, "shop");
  auto shop = audit.List({.application = "shop"});
  FERRY_ASSERT_OK(shop);
  EXPECT_EQ(shop->size(), 3u);
  // [start + 2 min, start + 4 min): p2 and p3.
  auto window = audit.List({.since = start + std::chrono::minutes(2),
                            .until = start + std::chrono::minutes(4)});
  FERRY_ASSERT_OK(window);
  ASSERT_EQ(window->size(), 2u);
  EXPECT_EQ((*window)[0].subject_id, "p2");
  EXPECT_EQ((*window)[1].subject_id, "p3");
  EXPECT_EQ(audit.List({.since = start + std::chrono::minutes(2), .until = start}).error().code,
            ErrorCode::kInvalidArgument);

  auto newest = audit.List({.newest_first = true, .limit = 4});
  FERRY_ASSERT_OK(newest);
  ASSERT_EQ(newest->size(), 4u);
  EXPECT_EQ(newest->front().subject_id, "p5");
  auto older = audit.List({.newest_first = true, .before_sequence = newest->back().sequence});
  FERRY_ASSERT_OK(older);
  ASSERT_EQ(older->size(), 2u);
  EXPECT_EQ((*older)[0].subject_id, "p1");
  EXPECT_EQ((*older)[1].subject_id, "p0");
}

TEST_P(StoreContractTest, EntityChangesAreAuditedWithTheActorSourceAndBothDocuments) {
  EntityWrite v1{.key = {"service", "shop", "orders"}, .spec_json = R"({"memory":128})"};
  FERRY_ASSERT_OK(store().entities().Put(v1, Actor("token:admin", "192.0.2.7")));
  EntityWrite v2{.key = {"service", "shop", "orders"}, .spec_json = R"({"memory":256})"};
  FERRY_ASSERT_OK(store().entities().Put(v2, Actor("token:admin", "192.0.2.7")));
  FERRY_ASSERT_OK(store().entities().Delete({"service", "shop", "orders"}, "ferry-cli"));
  auto events = store().audit().List({.subject_id = "service/shop/orders"});
  FERRY_ASSERT_OK(events);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].action, "entity.create");
  EXPECT_EQ((*events)[0].actor, "token:admin");
  EXPECT_EQ((*events)[0].source, "192.0.2.7");
  EXPECT_EQ((*events)[0].application, "shop");
  EXPECT_EQ((*events)[0].details_json, R"({"after":{"memory":128}})");
  EXPECT_EQ((*events)[1].action, "entity.update");
  EXPECT_EQ((*events)[1].details_json, R"({"after":{"memory":256},"before":{"memory":128}})");
  EXPECT_EQ((*events)[2].action, "entity.delete");
  EXPECT_EQ((*events)[2].source, "");
  EXPECT_EQ((*events)[2].details_json, R"({"before":{"memory":256}})");

  // A large spec is recorded by size and hash only: the trail stays bounded.
  std::string big = R"({"description":")" + std::string(20000, 'x') + R"("})";
  FERRY_ASSERT_OK(store().entities().Put({.key = {"service", "shop", "big"}, .spec_json = big},
                                         "token:admin"));
  auto large = store().audit().List({.subject_id = "service/shop/big"});
  FERRY_ASSERT_OK(large);
  ASSERT_EQ(large->size(), 1u);
  EXPECT_EQ(large->front().details_json, R"({"afterBytes":20018,"documentsOmitted":true})");
  EXPECT_TRUE(large->front().after_sha256.has_value());
}

TEST_P(StoreContractTest, AuditEventsAreAppendOnlyEvenThroughSql) {
  FERRY_ASSERT_OK(store().audit().Append(
      {.actor = "token:admin", .action = "plan.start", .subject_type = "plan", .subject_id = "p"}));
  Status update = harness_->ExecuteSql("UPDATE audit_events SET actor = 'mallory'");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().message.find("append-only"), std::string::npos)
      << update.error().message;
  Status remove = harness_->ExecuteSql("DELETE FROM audit_events");
  ASSERT_FALSE(remove.ok());
  EXPECT_NE(remove.error().message.find("append-only"), std::string::npos)
      << remove.error().message;
  // Inserting stays possible (the store appends through SQL too).
  auto events = store().audit().List({});
  FERRY_ASSERT_OK(events);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().actor, "token:admin");
}

}  // namespace
}  // namespace ferry::store::testing
