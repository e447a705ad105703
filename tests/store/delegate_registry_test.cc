// DelegateRegistry on SQLite (store/delegate_registry.h): sightings, a new instance replacing the
// previous one, Touch, ordering, and bad input refused without a trace.
#include <gmock/gmock.h>

#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace ferry::store::testing {
namespace {

using ::testing::ElementsAre;

class DelegateRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(SqliteOptions{.data_dir = dir_.Sub("data")}, clock_, ids_);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(*store);
    auto registry = OpenSqliteDelegateRegistry(*store_);
    ASSERT_TRUE(registry.ok()) << registry.error().ToString();
    registry_ = std::move(*registry);
  }

  test::TempDir dir_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<DelegateRegistry> registry_;
};

TEST_F(DelegateRegistryTest, RecordsSightingsAndKeepsTheFirstSeenOfAnInstance) {
  const TimePoint start = clock_.Now();
  auto seen = registry_->Seen({"eu-1", "remote-eu-1-a", {"region:eu", "region:eu", "a"}, "1.0"});
  ASSERT_TRUE(seen.ok()) << seen.error().ToString();
  EXPECT_THAT(seen->selectors, ElementsAre("a", "region:eu"));  // sorted, unique
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(registry_->Seen({"eu-1", "remote-eu-1-a", {"a"}, "1.0"}).ok());
  clock_.Advance(std::chrono::seconds(5));
  ASSERT_TRUE(registry_->Touch("remote-eu-1-a").ok());
  ASSERT_TRUE(registry_->Touch("nobody").ok());  // nothing to refresh: no error
  ASSERT_TRUE(registry_->Seen({"ap-1", "remote-ap-1-a", {}, ""}).ok());

  auto all = registry_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "ap-1");
  const DelegateRecord& eu = (*all)[1];
  EXPECT_EQ(eu.first_seen_at, start);
  EXPECT_EQ(eu.last_seen_at, start + std::chrono::seconds(10));
  EXPECT_THAT(eu.selectors, ElementsAre("a"));

  // A restarted delegate (new instance) under the same name replaces the old one.
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(registry_->Seen({"eu-1", "remote-eu-1-b", {"a"}, "1.1"}).ok());
  all = registry_->List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[1].instance, "remote-eu-1-b");
  EXPECT_EQ((*all)[1].version, "1.1");
  EXPECT_EQ((*all)[1].first_seen_at, start + std::chrono::seconds(11));
}

TEST_F(DelegateRegistryTest, BadInputIsRefusedAndRecordsNothing) {
  const std::string long_name(300, 'x');
  const std::vector<DelegateSighting> bad = {
      {"", "i", {}, ""},           {"n", "", {}, ""},         {long_name, "i", {}, ""},
      {"n", "i", {""}, ""},        {"n", "i", {}, long_name}, {"n\n", "i", {}, ""},
      {"n", "i", {"bad\x01"}, ""},
  };
  for (const DelegateSighting& s : bad) {
    auto seen = registry_->Seen(s);
    ASSERT_FALSE(seen.ok()) << s.name;
    EXPECT_EQ(seen.error().code, ErrorCode::kInvalidArgument);
  }
  std::vector<std::string> many;
  for (int i = 0; i < 101; ++i) many.push_back("s" + std::to_string(i));
  EXPECT_FALSE(registry_->Seen({"n", "i", many, ""}).ok());
  EXPECT_FALSE(registry_->Touch("").ok());
  EXPECT_TRUE(registry_->List()->empty());
}

}  // namespace
}  // namespace ferry::store::testing
