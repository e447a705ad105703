// NotificationOutbox contract: enqueue deduplicated by key, claims leased to one sender (across
// two Store instances), outcomes recorded only by the lease holder, retries due at their time,
// lists newest first with filters, hostile input refused with nothing written.
#include <set>
#include <thread>

#include "store_contract.h"

namespace ferry::store::testing {
namespace {

NewNotification Event(const std::string& key, const std::string& channel = "ops") {
  return NewNotification{.key = key,
                         .channel = channel,
                         .event = "execution.succeeded",
                         .application = "shop",
                         .execution_id = "ex-1",
                         .event_json = R"({"type":"execution.succeeded","application":"shop"})"};
}

TEST_P(StoreContractTest, NotificationsAreEnqueuedOncePerKey) {
  auto first = store().notifications().Enqueue(Event("k1"));
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->status, DeliveryStatus::kPending);
  EXPECT_EQ(first->attempts, 0);
  EXPECT_EQ(first->event_json, R"({"application":"shop","type":"execution.succeeded"})");
  NewNotification again = Event("k1", "other");
  auto second = store().notifications().Enqueue(again);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, first->id);
  EXPECT_EQ(second->channel, "ops");
  Reopen();
  auto all = store().notifications().List({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_P(StoreContractTest, NotificationsRefuseHostileInputAndWriteNothing) {
  NewNotification n = Event("k");
  n.event_json = "[1]";
  EXPECT_EQ(store().notifications().Enqueue(n).error().code, ErrorCode::kInvalidArgument);
  n.event_json = std::string("{\"a\":\"nul\0\"}", 12);
  EXPECT_FALSE(store().notifications().Enqueue(n).ok());
  n.event_json = "{\"a\":\"" + std::string(kMaxNotificationEventBytes, 'x') + "\"}";
  EXPECT_EQ(store().notifications().Enqueue(n).error().code, ErrorCode::kPayloadTooLarge);
  n = Event("");
  EXPECT_EQ(store().notifications().Enqueue(n).error().code, ErrorCode::kInvalidArgument);
  n = Event("k", "bad\nchannel");
  EXPECT_EQ(store().notifications().Enqueue(n).error().code, ErrorCode::kInvalidArgument);
  n = Event(std::string(300, 'k'));
  EXPECT_EQ(store().notifications().Enqueue(n).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store().notifications().List({})->empty());
  EXPECT_EQ(store().notifications().ClaimDue("", std::chrono::seconds(30), 10).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().notifications().ClaimDue("s", Duration::zero(), 10).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().notifications().List({.limit = 0}).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, NotificationClaimsLeaseRetryAndGiveUp) {
  auto n = store().notifications().Enqueue(Event("k1"));
  ASSERT_TRUE(n.ok());
  auto claimed = store().notifications().ClaimDue("sender-a", std::chrono::seconds(30), 10);
  ASSERT_TRUE(claimed.ok()) << claimed.error().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].lease_owner, "sender-a");
  // Leased: nobody else gets it, and only the holder records an outcome.
  EXPECT_TRUE(store().notifications().ClaimDue("sender-b", std::chrono::seconds(30), 10)->empty());
  DeliveryOutcome retry{DeliveryStatus::kPending, "HTTP 500 from the receiver",
                        clock_.Now() + std::chrono::seconds(10)};
  EXPECT_EQ(store().notifications().Finish(n->id, "sender-b", retry).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(store().notifications().Finish("nope", "sender-a", retry).error().code,
            ErrorCode::kNotFound);
  auto retried = store().notifications().Finish(n->id, "sender-a", retry);
  ASSERT_TRUE(retried.ok()) << retried.error().ToString();
  EXPECT_EQ(retried->status, DeliveryStatus::kPending);
  EXPECT_EQ(retried->attempts, 1);
  EXPECT_EQ(retried->last_error, "HTTP 500 from the receiver");
  EXPECT_EQ(retried->lease_owner, "");
  // Not due before its retry time; due after.
  EXPECT_TRUE(store().notifications().ClaimDue("sender-b", std::chrono::seconds(30), 10)->empty());
  clock_.Advance(std::chrono::seconds(10));
  claimed = store().notifications().ClaimDue("sender-b", std::chrono::seconds(30), 10);
  ASSERT_EQ(claimed->size(), 1u);
  // A lease that ran out is taken over; the old holder can no longer record.
  clock_.Advance(std::chrono::seconds(31));
  claimed = store().notifications().ClaimDue("sender-a", std::chrono::seconds(30), 10);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(store().notifications().Finish(n->id, "sender-b", retry).error().code,
            ErrorCode::kFailedPrecondition);
  DeliveryOutcome give_up{DeliveryStatus::kFailed, std::string(5000, 'e'), {}};
  auto failed = store().notifications().Finish(n->id, "sender-a", give_up);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, DeliveryStatus::kFailed);
  EXPECT_EQ(failed->attempts, 2);
  EXPECT_EQ(failed->last_error.size(), kMaxNotificationErrorBytes);
  EXPECT_TRUE(failed->ended_at.has_value());
  clock_.Advance(std::chrono::hours(1));
  EXPECT_TRUE(store().notifications().ClaimDue("sender-a", std::chrono::seconds(30), 10)->empty());
  EXPECT_EQ(store().notifications().Finish(n->id, "sender-a", give_up).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_P(StoreContractTest, NotificationsAreListedNewestFirstWithFilters) {
  FERRY_ASSERT_OK(store().notifications().Enqueue(Event("k1", "ops")));
  clock_.Advance(std::chrono::seconds(1));
  FERRY_ASSERT_OK(store().notifications().Enqueue(Event("k2", "mail")));
  clock_.Advance(std::chrono::seconds(1));
  auto third = store().notifications().Enqueue(Event("k3", "ops"));
  ASSERT_TRUE(third.ok());
  auto claimed = store().notifications().ClaimDue("s", std::chrono::seconds(30), 1);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].key, "k1");  // oldest due first
  FERRY_ASSERT_OK(store().notifications().Finish((*claimed)[0].id, "s", {}));
  auto all = store().notifications().List({});
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].key, "k3");
  EXPECT_EQ((*all)[2].key, "k1");
  EXPECT_EQ((*all)[2].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(store().notifications().List({.channel = "ops"})->size(), 2u);
  EXPECT_EQ(store().notifications().List({.status = DeliveryStatus::kDelivered})->size(), 1u);
  EXPECT_EQ(store().notifications().List({.application = "other"})->size(), 0u);
  EXPECT_EQ(store().notifications().List({.limit = 1})->size(), 1u);
}

TEST_P(StoreContractTest, TwoStoresClaimEachNotificationOnce) {
  for (int i = 0; i < 40; ++i)
    FERRY_ASSERT_OK(store().notifications().Enqueue(Event("k" + std::to_string(i))));
  auto second = harness_->Open(clock_, ids_);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  std::vector<std::string> a, b;
  auto claim = [](Store& s, const std::string& owner, std::vector<std::string>& out) {
    for (int round = 0; round < 20; ++round) {
      auto got = s.notifications().ClaimDue(owner, std::chrono::seconds(30), 3);
      if (!got.ok()) continue;  // a busy writer: try again
      for (const auto& n : *got) out.push_back(n.id);
    }
  };
  std::thread ta([&] { claim(store(), "a", a); });
  std::thread tb([&] { claim(**second, "b", b); });
  ta.join();
  tb.join();
  std::set<std::string> all(a.begin(), a.end());
  for (const auto& id : b) EXPECT_TRUE(all.insert(id).second) << id << " claimed twice";
  EXPECT_EQ(all.size(), 40u);
}

}  // namespace
}  // namespace ferry::store::testing
