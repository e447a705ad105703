// apply -> export -> apply against the real SQLite store: the second apply changes nothing.
// Mirrors what `ferry apply` and `ferry export` do (apps/ferry/cmd_config.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/ids.h"
#include "config/export.h"
#include "config/loader.h"
#include "config/test_util.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace ferry::config {
namespace {

using ::testing::Each;
using ::testing::Eq;
using ::testing::IsEmpty;

std::vector<store::EntityWrite> Writes(const std::vector<model::Entity>& entities) {
  std::vector<store::EntityWrite> writes;
  for (const auto& e : entities) {
    writes.push_back({{std::string(model::StoreKindName(model::KindOf(e))), model::ApplicationOf(e),
                       model::NameOf(e)},
                      model::CanonicalJson(e),
                      std::nullopt});
  }
  return writes;
}

std::vector<model::Entity> Stored(store::Store& s) {
  auto records = s.entities().List("", std::nullopt);
  EXPECT_TRUE(records.ok());
  std::vector<model::Entity> out;
  for (const auto& r : *records) {
    auto e = model::EntityFromJson(r.spec_json);
    EXPECT_TRUE(e.ok()) << e.error().ToString();
    if (e.ok()) out.push_back(std::move(*e));
  }
  return out;
}

TEST(ApplyRoundTripTest, ApplyExportApplyChangesNothing) {
  test::TempDir dir;
  FakeClock clock;
  SequentialIdGenerator ids;
  store::SqliteOptions options;
  options.data_dir = (dir.path() / "data").string();
  auto s = store::OpenSqliteStore(options, clock, ids);
  ASSERT_TRUE(s.ok()) << s.error().ToString();

  LoadedConfig loaded = LoadConfig(testing::ExamplesDir());
  ASSERT_TRUE(loaded.ok());
  auto first = (*s)->entities().PutAll(Writes(loaded.entities), "test");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_THAT(*first, Each(Eq(store::PutOutcome::kCreated)));

  auto again = (*s)->entities().PutAll(Writes(loaded.entities), "test");
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(*again, Each(Eq(store::PutOutcome::kUnchanged)));

  std::string yaml = ExportYaml(Stored(**s));
  dir.Write("export/all.yaml", yaml);
  LoadedConfig exported = LoadConfig(dir.path() / "export", {}, Stored(**s));
  ASSERT_THAT(testing::Lines(exported), IsEmpty()) << yaml;
  ASSERT_EQ(exported.entities.size(), loaded.entities.size());
  auto third = (*s)->entities().PutAll(Writes(exported.entities), "test");
  ASSERT_TRUE(third.ok());
  EXPECT_THAT(*third, Each(Eq(store::PutOutcome::kUnchanged)));
  EXPECT_EQ(ExportYaml(Stored(**s)), yaml);
}

TEST(ApplyRoundTripTest, AChangedFieldIsAnUpdate) {
  test::TempDir dir;
  FakeClock clock;
  SequentialIdGenerator ids;
  store::SqliteOptions options;
  options.data_dir = (dir.path() / "data").string();
  auto s = store::OpenSqliteStore(options, clock, ids);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  LoadedConfig v1 = LoadConfigFiles({{"a.yaml", "kind: Application\nname: shop\n"}});
  LoadedConfig v2 =
      LoadConfigFiles({{"a.yaml", "kind: Application\nname: shop\ndescription: now described\n"}});
  ASSERT_TRUE(v1.ok() && v2.ok());
  ASSERT_TRUE((*s)->entities().PutAll(Writes(v1.entities), "test").ok());
  auto outcomes = (*s)->entities().PutAll(Writes(v2.entities), "test");
  ASSERT_TRUE(outcomes.ok());
  EXPECT_THAT(*outcomes, ::testing::ElementsAre(store::PutOutcome::kUpdated));
}

}  // namespace
}  // namespace ferry::config
