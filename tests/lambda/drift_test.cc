// Drift (lambda/drift.h): what changed outside Ferry, field by field, from a known state; the known
// state's codec keeping configuration and tags without environment values; the plan's codecs.
#include "lambda/drift.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "lambda/records.h"
#include "lambda/tasks.h"

namespace ferry::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

ObservedFunction Live() {
  ObservedFunction f;
  f.exists = true;
  f.function_name = "shop-orders-prod";
  f.arn = "arn:aws:lambda:us-east-1:123456789012:function:shop-orders-prod";
  f.code_sha256 = "c2hhLW9mLWJ1aWxkLTI=";
  f.revision_id = "rev-2";
  f.config.runtime = "python3.12";
  f.config.handler = "index.handler";
  f.config.role = "arn:aws:iam::123456789012:role/orders";
  f.config.memory_mb = 256;
  f.config.environment = {{"DB_PASSWORD", "s3cr3t-value"}, {"LOG_LEVEL", "info"}};
  f.tags = {{"team", "orders"}};
  f.versions = {{"$LATEST", "c2hhLW9mLWJ1aWxkLTI=", {}}, {"1", "b1", {}}, {"2", "c2hhLW9mLWJ1aWxkLTI=", {}}};
  f.aliases = {{"live", "2", {}, "alias-rev-1", ""}};
  return f;
}

RecordedFunction Recorded(const ObservedFunction& f) {
  auto decoded = DecodeRecordedFunction(EncodeKnownFunction(f));
  EXPECT_TRUE(decoded.ok()) << decoded.error().message;
  return decoded.value();
}

TEST(DriftTest, NothingChangedIsNoDrift) {
  EXPECT_THAT(FindDrift(Recorded(Live()), Live()), IsEmpty());
}

TEST(DriftTest, EachFieldChangedByHandIsNamedWithBothValues) {
  const RecordedFunction recorded = Recorded(Live());
  ObservedFunction live = Live();
  live.revision_id = "rev-3";
  live.config.memory_mb = 512;
  live.config.timeout_seconds = 30;
  live.config.environment["NEW_FLAG"] = "on";
  live.config.environment["DB_PASSWORD"] = "changed-secret";
  live.tags["owner"] = "someone-else";
  live.tags["team"] = "payments";
  live.aliases[0].version = "1";
  live.aliases[0].weights = {{"2", 0.1}};
  live.aliases.push_back({"debug", "1", {}, "r", ""});
  live.versions.push_back({"3", "other", {}});
  live.versions.erase(live.versions.begin() + 1);  // version 1 deleted
  live.code_sha256 = "bmV3LWNvZGU=";
  const auto drift = FindDrift(recorded, live);
  std::vector<std::string> lines;
  for (const auto& d : drift) lines.push_back(DescribeDrift(d));
  EXPECT_THAT(lines, ElementsAre("code: c2hhLW9mLWJ1… → bmV3LWNvZGU=", "MemorySize: 256 MB → 512 MB",
                                 "Timeout: 3 s → 30 s",
                                 "Environment: keys DB_PASSWORD, LOG_LEVEL → keys DB_PASSWORD, "
                                 "LOG_LEVEL, NEW_FLAG",
                                 "tag owner: absent → someone-else", "tag team: orders → payments",
                                 "alias live: version 2 → version 1, 10% to version 2",
                                 "alias debug: absent → version 1 (created)",
                                 "version 1: published → deleted", "version 3: absent → published"));
  for (const auto& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("secret"))) << "environment values are never shown";
  }
}

TEST(DriftTest, AnEnvironmentValueChangeShowsAsARevisionChange) {
  ObservedFunction live = Live();
  live.config.environment["LOG_LEVEL"] = "debug";
  live.revision_id = "rev-3";
  const auto drift = FindDrift(Recorded(Live()), live);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].what, "$LATEST");
  EXPECT_THAT(drift[0].live, HasSubstr("such as an environment value"));
  EXPECT_THAT(DescribeDrift(drift[0]), Not(HasSubstr("debug")));
}

TEST(DriftTest, DeletedAndRecreatedFunctions) {
  ObservedFunction gone;
  gone.function_name = "shop-orders-prod";
  EXPECT_THAT(FindDrift(Recorded(Live()), gone), ElementsAre(DriftItem{"function", "exists", "deleted"}));
  ObservedFunction again = Live();
  again.arn += "-2";
  const auto drift = FindDrift(Recorded(Live()), again);
  ASSERT_FALSE(drift.empty());
  EXPECT_EQ(drift[0].what, "function");
  EXPECT_THAT(drift[0].live, HasSubstr("deleted and created again"));
}

TEST(DriftTest, ARecordWithoutConfigurationComparesOnlyWhatItHolds) {
  // A known state written before configurations were kept: no config, tags or marker.
  const std::string old = R"({"exists":true,"functionName":"shop-orders-prod",
      "arn":"arn:aws:lambda:us-east-1:123456789012:function:shop-orders-prod",
      "codeSha256":"c2hhLW9mLWJ1aWxkLTI=","revisionId":"rev-2",
      "versions":[{"version":"1","codeSha256":"b1"},{"version":"2","codeSha256":"c2hhLW9mLWJ1aWxkLTI="}],
      "aliases":[{"name":"live","version":"2","weights":{},"revisionId":"alias-rev-1","arn":""}]})";
  auto recorded = DecodeRecordedFunction(old);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_FALSE(recorded->configuration_recorded);
  EXPECT_THAT(FindDrift(*recorded, Live()), IsEmpty()) << "memory, tags: not compared";
  ObservedFunction live = Live();
  live.revision_id = "rev-9";
  const auto drift = FindDrift(*recorded, live);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_THAT(drift[0].live, HasSubstr("deploy once to record it"));
  // Decoded and written back (a traffic shift updating aliases), it still claims no configuration.
  auto decoded = DecodeKnownFunction(old);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(DecodeRecordedFunction(EncodeKnownFunction(*decoded))->configuration_recorded);
}

TEST(DriftTest, TheKnownStateKeepsEnvironmentKeysNeverValues) {
  const std::string json = EncodeKnownFunction(Live());
  EXPECT_THAT(json, Not(HasSubstr("s3cr3t-value")));
  EXPECT_THAT(json, HasSubstr("DB_PASSWORD"));
  EXPECT_THAT(json, HasSubstr("\"recordsConfiguration\":true"));
  auto back = DecodeRecordedFunction(json);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->configuration_recorded);
  EXPECT_EQ(back->function.config.memory_mb, 256);
  EXPECT_EQ(back->function.tags.at("team"), "orders");
}

TEST(DriftTest, PlanTaskAndResultCarryRecordsAndDrift) {
  PlanTask task;
  task.target.region = "us-east-1";
  task.recorded.push_back(Recorded(Live()));
  const std::string payload = EncodePlanTask(task);
  EXPECT_THAT(payload, Not(HasSubstr("s3cr3t-value")));
  auto decoded = DecodePlanTask(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->recorded.size(), 1u);
  EXPECT_TRUE(decoded->recorded[0].configuration_recorded);
  EXPECT_EQ(decoded->recorded[0].function.aliases.at(0).version, "2");

  PlanResult result;
  FunctionPlan plan;
  plan.function_name = "shop-orders-prod";
  plan.drift_checked = true;
  plan.drift = {{"MemorySize", "256 MB", "512 MB"}};
  result.functions.push_back(plan);
  auto back = DecodePlanResult(EncodePlanResult(result));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->functions[0].drift_checked);
  EXPECT_EQ(back->functions[0].drift, plan.drift);
}

TEST(DriftTest, HostilePlanMessagesAreClearErrors) {
  for (const std::string bad : {
           R"({"target":{"region":"us-east-1"},"functions":[],"recorded":{}})",
           R"({"target":{"region":"us-east-1"},"functions":[],"recorded":[7]})",
           R"({"target":{"region":"us-east-1"},"functions":[],"recorded":[{"exists":"yes"}]})",
       }) {
    auto decoded = DecodePlanTask(bad);
    EXPECT_FALSE(decoded.ok()) << bad;
  }
  for (const std::string bad : {
           R"({"functions":[{"functionName":"f","drift":[{"what":"x"}]}]})",
           R"({"functions":[{"functionName":"f","drift":[{"what":1,"recorded":"a","live":"b"}]}]})",
           R"({"functions":[{"functionName":"f","drift":"all of it"}]})",
       }) {
    auto decoded = DecodePlanResult(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace ferry::lambda
