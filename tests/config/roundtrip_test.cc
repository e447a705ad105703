// YAML -> model -> canonical JSON -> YAML -> model gives the same canonical JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/export.h"
#include "config/loader.h"
#include "config/test_util.h"
#include "model/json_codec.h"

namespace ferry::config {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Canonical(const std::vector<model::Entity>& entities) {
  std::vector<std::string> out;
  for (const auto& e : entities) out.push_back(model::CanonicalJson(e));
  return out;
}

TEST(RoundTripTest, ExamplesSurviveExportAndReload) {
  LoadedConfig loaded = LoadConfig(testing::ExamplesDir());
  ASSERT_TRUE(loaded.ok());
  std::string yaml = ExportYaml(loaded.entities);
  LoadedConfig again = LoadConfigFiles({{"export.yaml", yaml}});
  ASSERT_THAT(testing::Lines(again), IsEmpty()) << yaml;
  EXPECT_EQ(Canonical(again.entities), Canonical(loaded.entities));
  EXPECT_EQ(ExportYaml(again.entities), yaml);
}

TEST(RoundTripTest, StringsThatLookLikeOtherTypesStayStrings) {
  std::string app =
      "kind: Application\nname: shop\ndescription: \"true\"\ntags:\n  a: \"123\"\n  b: \"\"\n"
      "  c: \"null\"\n  d: \"1.5\"\n  e: \" padded \"\n  f: \"#hash\"\n  g: \"line\\nbreak\"\n"
      "  h: \"key: value\"\n  i: \"0x1F\"\n  j: \"${app.name}\"\n  k: \"- dash\"\n";
  LoadedConfig loaded = LoadConfigFiles({{"a.yaml", app}});
  ASSERT_THAT(testing::Lines(loaded), IsEmpty());
  std::string yaml = ExportYaml(loaded.entities);
  LoadedConfig again = LoadConfigFiles({{"export.yaml", yaml}});
  ASSERT_THAT(testing::Lines(again), IsEmpty()) << yaml;
  EXPECT_EQ(Canonical(again.entities), Canonical(loaded.entities)) << yaml;
  EXPECT_THAT(yaml, HasSubstr("a: \"123\""));
}

}  // namespace
}  // namespace ferry::config
