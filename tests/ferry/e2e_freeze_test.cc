// Freeze windows end to end: a real `ferry server` and `ferry sandbox`, and the real CLI. A window
// active now refuses `ferry deploy` (exit 1, the window and its end named), `ferry freezes` shows
// it active with its scope, and an admin's `ferry deploy --override-freeze REASON` goes through
// and is audited. Nothing is mocked.
#include <gmock/gmock.h>

#include <ctime>

#include "e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;

// A UTC wall-clock time `offset_s` from now as the local date-time a FreezeWindow takes.
std::string UtcLocal(std::time_t offset_s, const char* format = "%Y-%m-%dT%H:%M") {
  const std::time_t t = std::time(nullptr) + offset_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

class FreezeE2eTest : public DeployE2eTest {
 protected:
  ChildProcess::Outcome Ferry(const std::string& args) {
    ProcessOptions options{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", server_->token()}},
                           ""};
    return ChildProcess::Run({"/bin/sh", "-c", FerryBinary() + " " + args + " < /dev/null"},
                             options);
  }
};

TEST_F(FreezeE2eTest, AnActiveWindowRefusesDeployUntilAnAdminOverridesWithAReason) {
  Json entities = Entities({"orders"});
  // Active from a day ago to a day ahead; the end is rounded to the minute.
  const std::string end = UtcLocal(24 * 3600);
  entities.push_back({{"kind", "FreezeWindow"},
                      {"name", "holidays"},
                      {"timeZone", "UTC"},
                      {"start", UtcLocal(-24 * 3600)},
                      {"end", end},
                      {"applications", Json::array({"shop"})},
                      {"environmentTypes", Json::array({"non-production"})}});
  entities.push_back({{"kind", "FreezeWindow"},
                      {"name", "fridays"},
                      {"timeZone", "Europe/Berlin"},
                      {"recurrence", {{"cron", "0 18 * * FRI"}, {"duration", "62h"}}},
                      {"environmentTypes", Json::array({"production"})}});
  ASSERT_NO_FATAL_FAILURE(Apply(entities));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  const std::string end_text = end.substr(0, 10) + " " + end.substr(11, 5) + " UTC";

  auto listed = Ferry("freezes");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("NAME"));
  EXPECT_THAT(listed.out, ::testing::ContainsRegex("holidays +ACTIVE +" + end_text));
  EXPECT_THAT(listed.out, HasSubstr("apps shop, non-production"));
  EXPECT_THAT(listed.out, HasSubstr("fridays"));
  EXPECT_THAT(listed.out, HasSubstr("apps *, production"));

  auto scoped = Ferry("freezes --app shop --env-type production");
  ASSERT_EQ(scoped.exit_code, 0) << scoped.err;
  EXPECT_THAT(scoped.out, HasSubstr("fridays"));
  EXPECT_THAT(scoped.out, ::testing::Not(HasSubstr("holidays")));
  auto none = Ferry("freezes --app other --env-type non-production");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "no freeze windows match\n");
  auto bad = Ferry("freezes --env-type staging");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("neither production nor non-production"));

  auto as_json = Ferry("freezes --app shop -o json");
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  auto parsed = ParseJson(as_json.out);
  ASSERT_TRUE(parsed.ok()) << as_json.out;
  ASSERT_EQ((*parsed)["items"].size(), 2u) << as_json.out;
  const Json& holidays = (*parsed)["items"][1];
  EXPECT_EQ(holidays["name"], "holidays");
  EXPECT_EQ(holidays["active"], true);
  EXPECT_EQ(holidays["untilLocal"], end_text);
  const Json& fridays = (*parsed)["items"][0];
  EXPECT_EQ(fridays["active"].is_boolean(), true);
  EXPECT_TRUE(fridays["nextEndLocal"].is_string()) << fridays.dump();

  const std::string deploy = "deploy shop/api --env dev --s3 s3://artifacts/api/api-1.zip --wait";
  auto refused = Ferry(deploy);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_THAT(refused.err, HasSubstr("frozen by window 'holidays' until " + end_text));
  EXPECT_EQ(Routing("dev", "shop-orders-dev").rfind("(", 0), 0u) << "nothing was deployed";

  auto overridden = Ferry(deploy + " --override-freeze 'INC-42 hotfix'");
  ASSERT_EQ(overridden.exit_code, 0) << overridden.out << overridden.err;
  EXPECT_EQ(Routing("dev", "shop-orders-dev"), "1");
  const std::string id = overridden.out.substr(0, overridden.out.find('\n'));
  ApiResponse execution = api_->Get("/api/v1/executions/" + id);
  ASSERT_EQ(execution.status, 200) << execution.Describe();
  EXPECT_EQ(execution.json["freezeOverride"]["reason"], "INC-42 hotfix") << execution.json.dump();

  auto audit = Ferry("audit --action execution.freeze-override");
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("execution.freeze-override"));
  EXPECT_THAT(audit.out, HasSubstr(id));
}

}  // namespace
}  // namespace ferry::test
