// TriggerStore contract: state rows created on first use, webhook ids unique, fires claimed
// exactly once (also by a second Store on the same database), a stale claim taken over, a
// baseline that starts nothing, outcomes recorded, replay-cache pruning, and hostile input
// refused without a trace.
#include <atomic>
#include <thread>

#include "store_contract.h"

namespace ferry::store::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST_P(StoreContractTest, TriggerStateIsCreatedOnFirstUseAndListed) {
  TriggerStore& t = store().triggers();
  EXPECT_EQ(t.Get("shop", "nightly").error().code, ErrorCode::kNotFound);
  FERRY_ASSERT_OK(t.SetNextRun("shop", "nightly", clock_.Now() + minutes(5)));
  FERRY_ASSERT_OK(t.SaveCursor("shop", "builds", R"({"lastKey":"api/b.zip","polls":3})"));
  FERRY_ASSERT_OK(t.RecordError("other", "x", "listing failed"));
  Reopen();
  TriggerStore& again = store().triggers();
  auto nightly = again.Get("shop", "nightly");
  ASSERT_TRUE(nightly.ok()) << nightly.error().ToString();
  EXPECT_EQ(nightly->next_run_at, clock_.Now() + minutes(5));
  EXPECT_FALSE(nightly->last_fire_at);
  auto builds = again.Get("shop", "builds");
  ASSERT_TRUE(builds.ok());
  EXPECT_EQ(builds->cursor_json, R"({"lastKey":"api/b.zip","polls":3})");
  auto shop = again.List("shop");
  ASSERT_TRUE(shop.ok());
  ASSERT_EQ(shop->size(), 2u);
  EXPECT_EQ((*shop)[0].name, "builds");
  auto all = again.List("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].application, "other");
  EXPECT_EQ((*all)[0].last_error, "listing failed");
  FERRY_ASSERT_OK(again.SetNextRun("shop", "nightly", std::nullopt));
  EXPECT_FALSE(again.Get("shop", "nightly")->next_run_at);
}

TEST_P(StoreContractTest, WebhookIdsAreKeptAndUnique) {
  TriggerStore& t = store().triggers();
  auto id = t.EnsureHookId("shop", "github", "hook-1");
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(*id, "hook-1");
  EXPECT_EQ(*t.EnsureHookId("shop", "github", "hook-2"), "hook-1");  // keeps its first id
  EXPECT_EQ(t.EnsureHookId("shop", "generic", "hook-1").error().code, ErrorCode::kConflict);
  auto found = t.FindByHookId("hook-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name, "github");
  EXPECT_EQ(t.FindByHookId("hook-2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(t.FindByHookId("../etc\n").error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, AFireIsClaimedOnceAndItsOutcomeRecorded) {
  TriggerStore& t = store().triggers();
  const std::string key = "object:artifacts/api/api-1.zip#\"abc\"";
  EXPECT_TRUE(*t.ClaimFire("shop", "builds", key, "server-a", minutes(5)));
  EXPECT_FALSE(*t.ClaimFire("shop", "builds", key, "server-b", minutes(5)));
  EXPECT_TRUE(*t.ClaimFire("shop", "other-trigger", key, "server-b", minutes(5)));
  FERRY_ASSERT_OK(t.CompleteFire({"shop", "builds", key, "exec-1", ""}));
  clock_.Advance(minutes(10));
  EXPECT_FALSE(*t.ClaimFire("shop", "builds", key, "server-b", minutes(5)));  // started
  auto fire = t.GetFire("shop", "builds", key);
  ASSERT_TRUE(fire.ok());
  EXPECT_EQ(fire->status, FireStatus::kStarted);
  EXPECT_EQ(fire->execution_id, "exec-1");
  EXPECT_EQ(fire->owner, "server-a");
  auto state = t.Get("shop", "builds");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->last_execution, "exec-1");
  EXPECT_TRUE(state->last_fire_at);
  EXPECT_EQ(state->last_error, "");

  // A failure becomes the trigger's last error; the next success clears it.
  EXPECT_TRUE(*t.ClaimFire("shop", "builds", "schedule:1", "server-a", minutes(5)));
  FERRY_ASSERT_OK(
      t.CompleteFire({"shop", "builds", "schedule:1", "", "frozen by window 'holidays'"}));
  EXPECT_EQ(t.Get("shop", "builds")->last_error, "frozen by window 'holidays'");
  EXPECT_EQ(t.GetFire("shop", "builds", "schedule:1")->status, FireStatus::kFailed);
  EXPECT_FALSE(*t.ClaimFire("shop", "builds", "schedule:1", "server-b", seconds(0)));
  EXPECT_TRUE(*t.ClaimFire("shop", "builds", "schedule:2", "server-a", minutes(5)));
  FERRY_ASSERT_OK(t.CompleteFire({"shop", "builds", "schedule:2", "exec-2", ""}));
  EXPECT_EQ(t.Get("shop", "builds")->last_error, "");
  EXPECT_FALSE(t.Get("shop", "builds")->last_error_at);

  EXPECT_EQ(t.CompleteFire({"shop", "builds", "never", "exec-3", ""}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(t.CompleteFire({"shop", "builds", "schedule:2", "", ""}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, AStaleClaimWithoutOutcomeIsTakenOver) {
  TriggerStore& t = store().triggers();
  EXPECT_TRUE(*t.ClaimFire("shop", "builds", "k", "server-a", minutes(5)));
  clock_.Advance(minutes(4));
  EXPECT_FALSE(*t.ClaimFire("shop", "builds", "k", "server-b", minutes(5)));
  clock_.Advance(minutes(2));
  EXPECT_TRUE(*t.ClaimFire("shop", "builds", "k", "server-b", minutes(5)));
  EXPECT_EQ(t.GetFire("shop", "builds", "k")->owner, "server-b");
  EXPECT_FALSE(*t.ClaimFire("shop", "builds", "k", "server-c", minutes(5)));
}

TEST_P(StoreContractTest, ABaselineStartsNothingAndKeepsExistingFires) {
  TriggerStore& t = store().triggers();
  EXPECT_TRUE(*t.ClaimFire("shop", "builds", "b", "server-a", minutes(5)));
  FERRY_ASSERT_OK(t.AddBaseline("shop", "builds", {"a", "b", "c"}));
  EXPECT_EQ(t.GetFire("shop", "builds", "a")->status, FireStatus::kBaseline);
  EXPECT_EQ(t.GetFire("shop", "builds", "b")->status, FireStatus::kClaimed);
  EXPECT_FALSE(*t.ClaimFire("shop", "builds", "c", "server-a", seconds(0)));
  std::vector<std::string> too_many(1001, "x");
  EXPECT_EQ(t.AddBaseline("shop", "builds", too_many).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ConcurrentClaimsFromTwoStoresLetOneWin) {
  auto other = harness_->Open(clock_, ids_);
  ASSERT_TRUE(other.ok()) << other.error().ToString();
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    Store& s = i % 2 == 0 ? store() : **other;
    threads.emplace_back([&s, &wins, i] {
      auto claimed = s.triggers().ClaimFire("shop", "builds", "object:x",
                                            "owner-" + std::to_string(i), minutes(5));
      if (claimed.ok() && *claimed) ++wins;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_P(StoreContractTest, ReplayCacheIsPrunedByPrefixAndAge) {
  TriggerStore& t = store().triggers();
  EXPECT_TRUE(*t.ClaimFire("shop", "hook", "generic:aa", "s", minutes(5)));
  EXPECT_TRUE(*t.ClaimFire("shop", "hook", "object:aa", "s", minutes(5)));
  clock_.Advance(minutes(6));
  EXPECT_TRUE(*t.ClaimFire("shop", "hook", "generic:bb", "s", minutes(5)));
  auto pruned = t.PruneFires("shop", "hook", "generic:", clock_.Now() - minutes(5));
  ASSERT_TRUE(pruned.ok()) << pruned.error().ToString();
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(t.GetFire("shop", "hook", "generic:aa").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(t.GetFire("shop", "hook", "object:aa").ok());
  EXPECT_TRUE(t.GetFire("shop", "hook", "generic:bb").ok());
  EXPECT_EQ(t.PruneFires("shop", "hook", "", clock_.Now()).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, HostileTriggerInputIsRefusedWithoutATrace) {
  TriggerStore& t = store().triggers();
  EXPECT_EQ(t.ClaimFire("shop", "builds", std::string(2049, 'k'), "s", minutes(5)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.ClaimFire("shop", "builds", "a\nb", "s", minutes(5)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.ClaimFire("shop", "builds", "", "s", minutes(5)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.ClaimFire("shop", "builds", std::string("\xff\xfe"), "s", minutes(5)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.ClaimFire("", "builds", "k", "s", minutes(5)).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.SaveCursor("shop", "builds", "[1,2]").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.SaveCursor("shop", "builds", "{").error().code, ErrorCode::kInvalidArgument);
  const std::string huge = R"({"k":")" + std::string(70 * 1024, 'x') + R"("})";
  EXPECT_EQ(t.SaveCursor("shop", "builds", huge).error().code, ErrorCode::kPayloadTooLarge);
  auto listed = t.List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  // A long error is cut, not refused.
  FERRY_ASSERT_OK(t.RecordError("shop", "builds", std::string(10'000, 'e')));
  EXPECT_LE(t.Get("shop", "builds")->last_error.size(), 2100u);
}

}  // namespace
}  // namespace ferry::store::testing
