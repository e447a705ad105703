#include "model/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"

namespace ferry::model {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Problems Decode(std::string_view json, std::optional<Entity>* out = nullptr) {
  auto parsed = ParseJson(json);
  EXPECT_TRUE(parsed.ok()) << json;
  Problems problems;
  auto entity = DecodeEntity(*parsed, problems);
  if (out) *out = std::move(entity);
  return problems;
}

constexpr std::string_view kService = R"({
  "kind": "Service", "application": "shop", "name": "orders", "type": "lambda",
  "artifact": {"s3": {"bucket": "b-1", "prefix": "orders/", "filter": "x"}},
  "defaults": {"runtime": "python3.12", "memory": 256, "environment": {"A": "${env.name}"}},
  "functions": [{"name": "api", "handler": "a.h", "aliases": ["live"]}],
  "variables": [{"name": "x", "value": "1"}, {"name": "pw", "secret": "db"}]
})";

TEST(JsonCodecTest, DecodesAndReencodesCanonically) {
  std::optional<Entity> entity;
  ASSERT_THAT(Decode(kService, &entity), IsEmpty());
  ASSERT_TRUE(entity);
  const auto& service = std::get<Service>(*entity);
  EXPECT_EQ(service.defaults->memory, 256);
  EXPECT_EQ(service.functions[0].aliases, std::vector<std::string>{"live"});
  EXPECT_EQ(service.variables[1].secret, "db");
  std::string canonical = CanonicalJson(*entity);
  auto again = EntityFromJson(canonical);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(CanonicalJson(*again), canonical);
  // Canonical JSON sorts keys and leaves out what is unset.
  EXPECT_EQ(canonical.find("\"description\""), std::string::npos);
  EXPECT_LT(canonical.find("\"application\""), canonical.find("\"artifact\""));
}

TEST(JsonCodecTest, ReportsEveryStructuralProblemWithPaths) {
  Problems problems = Decode(R"({
    "kind": "Service", "application": "shop", "name": 7, "typo": 1,
    "artifact": {"s3": {"bucket": "b", "keyPatern": "x"}},
    "functions": [{"name": "api", "memory": "512", "tracing": "active",
                   "architectures": "arm64"}]
  })");
  EXPECT_THAT(
      problems,
      ElementsAre(Field(&Problem::path, "/name"), Field(&Problem::path, "/artifact/s3/keyPatern"),
                  Field(&Problem::path, "/functions/0/memory"),
                  Field(&Problem::path, "/functions/0/architectures"),
                  Field(&Problem::path, "/functions/0/tracing"), Field(&Problem::path, "/typo")));
  EXPECT_EQ(problems[0].message,
            "expected a string, got an integer (quote the value to make it a string)");
  EXPECT_THAT(problems[1].message, HasSubstr("did you mean 'keyPattern'?"));
  EXPECT_TRUE(problems[1].at_key);
  EXPECT_EQ(problems[2].message, "expected an integer, got a string");
  EXPECT_THAT(problems[4].message, HasSubstr("did you mean 'Active'?"));
}

TEST(JsonCodecTest, MissingRequiredFieldsAndKind) {
  EXPECT_THAT(Decode(R"({"name": "x"})"),
              ElementsAre(Field(&Problem::message, HasSubstr("missing required field 'kind'"))));
  Problems problems = Decode(R"({"kind": "Servise"})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "/kind");
  EXPECT_THAT(problems[0].message, HasSubstr("did you mean 'Service'?"));
  problems = Decode(R"({"kind": "Environment", "name": "dev"})");
  EXPECT_THAT(problems,
              ElementsAre(Field(&Problem::message, "missing required field 'application'"),
                          Field(&Problem::message, "missing required field 'type'"),
                          Field(&Problem::message, "missing required field 'infrastructure'")));
  EXPECT_THAT(Decode("[1]"),
              ElementsAre(Field(&Problem::message, HasSubstr("expected a mapping"))));
}

TEST(JsonCodecTest, SecretValuesAreRefused) {
  Problems problems = Decode(R"({"kind": "Secret", "name": "db", "value": "hunter2"})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "/value");
  EXPECT_THAT(problems[0].message, HasSubstr("never goes in configuration"));
  EXPECT_THAT(problems[0].message, ::testing::Not(HasSubstr("hunter2")));
}

TEST(JsonCodecTest, DefaultedFieldsAreWrittenExplicitly) {
  std::optional<Entity> entity;
  ASSERT_THAT(Decode(R"({"kind": "Trigger", "application": "a", "name": "t",
                        "schedule": {"cron": "0 * * * *"}, "pipeline": "p",
                        "artifactSelection": "last-collected"})",
                     &entity),
              IsEmpty());
  std::string json = CanonicalJson(*entity);
  EXPECT_THAT(json, HasSubstr("\"enabled\":true"));
  EXPECT_THAT(json, HasSubstr("\"timeZone\":\"UTC\""));
}

TEST(JsonCodecTest, HostileInput) {
  // Integers beyond int64 and floats where integers belong are type errors, not crashes.
  Problems problems = Decode(R"({"kind": "Service", "application": "a", "name": "s",
    "artifact": {"local": {"path": "x"}},
    "functions": [{"name": "f", "memory": 18446744073709551615, "timeout": 1.5}]})");
  EXPECT_THAT(problems, ElementsAre(Field(&Problem::message, "integer out of range"),
                                    Field(&Problem::message, "expected an integer, got a number")));
  auto bad = EntityFromJson("{\"kind\": \"Nope\"}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(ProblemPathTest, PointersAndDisplay) {
  EXPECT_EQ(JoinPath(JoinPath("", "tags"), "team/a~b"), "/tags/team~1a~0b");
  EXPECT_EQ(SplitPath("/tags/team~1a~0b"), (std::vector<std::string>{"tags", "team/a~b"}));
  EXPECT_EQ(DisplayPath("/functions/0/memory"), "functions[0].memory");
  EXPECT_EQ(DisplayPath("/tags/team~1a"), "tags[\"team/a\"]");
  EXPECT_EQ(DisplayPath(""), "(document)");
}

}  // namespace
}  // namespace ferry::model
