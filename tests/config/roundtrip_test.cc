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

TEST(RoundTripTest, ServiceGuardAndDriftCheckSurviveExport) {
  const std::string env = R"(kind: Application
name: shop
---
kind: CloudProvider
name: aws
credentials:
  mode: delegate
---
kind: Environment
application: shop
name: prod
type: production
infrastructure:
  - name: eu
    cloudProvider: aws
serviceGuard:
  interval: 2m
  sensitivity: high
  metrics: [Errors, Duration]
  trailing: 2h
  baselineDays: 3
driftCheck:
  enabled: false
  interval: 6h
)";
  LoadedConfig loaded = LoadConfigFiles({{"e.yaml", env}});
  ASSERT_THAT(testing::Lines(loaded), IsEmpty());
  std::string yaml = ExportYaml(loaded.entities);
  EXPECT_THAT(yaml, HasSubstr("serviceGuard:"));
  EXPECT_THAT(yaml, HasSubstr("baselineDays: 3"));
  EXPECT_THAT(yaml, HasSubstr("enabled: false"));
  LoadedConfig again = LoadConfigFiles({{"export.yaml", yaml}});
  ASSERT_THAT(testing::Lines(again), IsEmpty()) << yaml;
  EXPECT_EQ(Canonical(again.entities), Canonical(loaded.entities)) << yaml;
}

TEST(RoundTripTest, MalformedServiceGuardsAreRefusedWithTheirPlace) {
  const std::string head = R"(kind: Environment
application: shop
name: prod
type: production
infrastructure:
  - name: eu
    cloudProvider: aws
)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"serviceGuard:\n  interval: 10s\n", "serviceGuard.interval: must be a duration from 1m"},
      {"serviceGuard:\n  interval: 48h\n", "serviceGuard.interval: must be a duration from 1m"},
      {"serviceGuard:\n  interval: soon\n", "serviceGuard.interval"},
      {"serviceGuard:\n  interval: ${env.variables.x}\n", "serviceGuard.interval"},
      {"serviceGuard:\n  sensitivity: paranoid\n", "serviceGuard.sensitivity: must be low"},
      {"serviceGuard:\n  metrics: [Errors, Errors]\n", "serviceGuard.metrics[1]: repeats"},
      {"serviceGuard:\n  metrics: [Latency]\n", "serviceGuard.metrics[0]: must be Invocations"},
      {"serviceGuard:\n  baselineDays: 15\n", "serviceGuard.baselineDays: must be from 0 to 14"},
      {"serviceGuard:\n  baselineDays: -1\n", "serviceGuard.baselineDays"},
      {"serviceGuard:\n  interval: 2h\n  trailing: 1h\n",
       "serviceGuard.trailing: must be at least the interval"},
      {"serviceGuard:\n  colour: red\n", "serviceGuard.colour"},
      {"serviceGuard: yes please\n", "serviceGuard"},
      {"serviceGuard:\n  interval: " + std::string(5000, '9') + "m\n", "serviceGuard.interval"},
      {"driftCheck:\n  interval: 1m\n", "driftCheck.interval: must be a duration from 5m"},
      {"driftCheck:\n  enabled: sometimes\n", "driftCheck.enabled"},
  };
  for (const auto& [tail, expected] : cases) {
    const std::string yaml = head + tail;
    LoadedConfig loaded = LoadConfigFiles({{"e.yaml", yaml}});
    EXPECT_THAT(::testing::PrintToString(testing::Lines(loaded)), HasSubstr(expected)) << yaml;
  }
}

}  // namespace
}  // namespace ferry::config
