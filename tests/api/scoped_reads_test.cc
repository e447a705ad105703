// Reads filtered by the caller's role bindings (docs/security.md, "Scoped reads"): a user whose
// only binding is viewer on application "shop" sees shop's executions, configuration and plans;
// lists leave the other applications' out, a single item of theirs is 403.
#include <gmock/gmock.h>

#include <set>

#include "api_fixture.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;

class ScopedReadsTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    ApplySampleConfig();
  }

  // A token of a new user bound to `role` for `apps` (and `env_types`).
  std::string UserToken(const std::string& user, const std::string& role,
                        std::vector<std::string> apps, std::vector<std::string> env_types = {}) {
    EXPECT_TRUE(store_->access().CreateAccount({.name = user}, "test").ok());
    auto bound = store_->access().AddBinding({.role = role,
                                              .account = user,
                                              .applications = std::move(apps),
                                              .environment_types = std::move(env_types)},
                                             "test");
    EXPECT_TRUE(bound.ok()) << bound.error().ToString();
    auto issued =
        store_->tokens().Issue({.name = user + "-cli", .scopes = {"admin"}, .owner = user}, "test");
    EXPECT_TRUE(issued.ok()) << issued.error().ToString();
    return issued.ok() ? issued->secret : "";
  }
  static httplib::Headers As(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  static std::set<std::string> Ids(const Reply& reply) {
    std::set<std::string> ids;
    for (const Json& item : reply.json["items"]) ids.insert(item["id"].get<std::string>());
    return ids;
  }
};

TEST_F(ScopedReadsTest, ExecutionsOfOtherApplicationsAreFilteredAndRefused) {
  std::set<std::string> shop, other;
  for (int i = 0; i < 5; ++i) {
    shop.insert(CreateExecution("shop", "orders", "dev").id);
    other.insert(CreateExecution("other", "orders", "dev").id);
  }
  const httplib::Headers vera = As(UserToken("vera", "viewer", {"shop"}));

  Reply all = GetAnonymous("/api/v1/executions", vera);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Ids(all), shop);
  EXPECT_TRUE(all.json["next"].is_null());
  // Paging through the filtered list gives each of shop's executions once.
  std::set<std::string> paged;
  std::string path = "/api/v1/executions?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    Reply page = GetAnonymous(path, vera);
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_LE(page.json["items"].size(), 2u);
    for (const std::string& id : Ids(page)) EXPECT_TRUE(paged.insert(id).second) << id;
    if (page.json["next"].is_null()) break;
    path = "/api/v1/executions?limit=2&before=" + page.json["next"].get<std::string>();
  }
  EXPECT_EQ(paged, shop);
  // Asking for the other application is an empty list, not a refusal.
  Reply asked = GetAnonymous("/api/v1/executions?application=other", vera);
  ASSERT_EQ(asked.status, 200);
  EXPECT_TRUE(asked.json["items"].empty());

  const std::string theirs = *other.begin();
  for (std::string suffix : {"", "/logs", "/verifications"}) {
    Reply one = GetAnonymous("/api/v1/executions/" + theirs + suffix, vera);
    EXPECT_EQ(one.status, 403) << suffix << " " << one.body;
    EXPECT_THAT(one.body, HasSubstr("permission 'view' is needed for application \\\"other\\\""));
    EXPECT_EQ(GetAnonymous("/api/v1/executions/" + *shop.begin() + suffix, vera).status, 200);
  }
  // A token of every application still sees everything.
  EXPECT_EQ(Ids(Get("/api/v1/executions")).size(), 10u);
}

TEST_F(ScopedReadsTest, EnvironmentTypesLimitWhatIsSeenOfEnvironments) {
  const std::string id = CreateExecution("shop", "orders", "dev").id;  // dev: non-production
  const httplib::Headers prod = As(UserToken("pat", "viewer", {"shop"}, {"production"}));
  Reply list = GetAnonymous("/api/v1/executions", prod);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.json["items"].empty());
  EXPECT_EQ(GetAnonymous("/api/v1/executions/" + id, prod).status, 403);
  // The application's configuration is not about one environment: it is readable.
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop/services/orders", prod).status, 200);

  const httplib::Headers nonprod = As(UserToken("nina", "viewer", {"shop"}, {"non-production"}));
  EXPECT_EQ(Ids(GetAnonymous("/api/v1/executions", nonprod)), std::set<std::string>{id});
  EXPECT_EQ(GetAnonymous("/api/v1/executions/" + id, nonprod).status, 200);
}

TEST_F(ScopedReadsTest, ConfigurationOfOtherApplicationsIsFilteredAndRefused) {
  const httplib::Headers vera = As(UserToken("vera", "viewer", {"shop"}));
  const httplib::Headers otto = As(UserToken("otto", "viewer", {"other"}));

  Reply apps = GetAnonymous("/api/v1/applications", vera);
  ASSERT_EQ(apps.status, 200);
  ASSERT_EQ(apps.json["items"].size(), 1u);
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop", vera).status, 200);
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop/services/orders", vera).status, 200);
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop/services", vera).json["items"].size(), 1u);

  EXPECT_TRUE(GetAnonymous("/api/v1/applications", otto).json["items"].empty());
  // 403 whether the entity exists or not: the check comes before the lookup.
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop", otto).status, 403);
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop/services/orders", otto).status, 403);
  EXPECT_EQ(GetAnonymous("/api/v1/applications/shop/services/nope", otto).status, 403);
  Reply services = GetAnonymous("/api/v1/applications/shop/services", otto);
  ASSERT_EQ(services.status, 200);
  EXPECT_TRUE(services.json["items"].empty());

  // Things of no application need a grant for every application.
  Reply providers = GetAnonymous("/api/v1/cloud-providers", vera);
  ASSERT_EQ(providers.status, 200);
  EXPECT_TRUE(providers.json["items"].empty());
  EXPECT_EQ(GetAnonymous("/api/v1/cloud-providers/local", vera).status, 403);
  EXPECT_EQ(GetAnonymous("/api/v1/secrets/db/value", vera).status, 403);
  EXPECT_TRUE(GetAnonymous("/api/v1/artifacts", vera).json["items"].empty());
  EXPECT_TRUE(GetAnonymous("/api/v1/delegates", vera).json["items"].empty());
  EXPECT_EQ(Get("/api/v1/cloud-providers").json["items"].size(), 1u);
}

TEST_F(ScopedReadsTest, PlansNeedViewOrDeployOnTheirApplication) {
  Reply started = Post("/api/v1/plans?wait=0",
                       R"({"application":"shop","service":"orders","environment":"dev"})");
  ASSERT_EQ(started.status / 100, 2) << started.body;
  const std::string plan = "/api/v1/plans/" + started.json["id"].get<std::string>() + "?wait=0";
  // 202 while the plan waits for a delegate, 200 once it ended: either passed the checks.
  EXPECT_EQ(GetAnonymous(plan, As(UserToken("vera", "viewer", {"shop"}))).status / 100, 2);
  EXPECT_EQ(GetAnonymous(plan, As(UserToken("dora", "deployer", {"shop"}))).status / 100, 2);
  Reply refused = GetAnonymous(plan, As(UserToken("otto", "deployer", {"other"})));
  EXPECT_EQ(refused.status, 403) << refused.body;
}

TEST_F(ScopedReadsTest, AnAdminOfOneApplicationReadsItsAuditEventsOnly) {
  const httplib::Headers ada = As(UserToken("ada", "admin", {"shop"}));
  Reply events = GetAnonymous("/api/v1/audit?limit=3", ada);
  ASSERT_EQ(events.status, 200) << events.body;
  size_t seen = 0;
  std::string path;
  for (int pages = 0; pages < 50; ++pages) {
    for (const Json& e : events.json["items"]) {
      EXPECT_EQ(e["application"], "shop") << e.dump();
      ++seen;
    }
    if (events.json["next"].is_null()) break;
    events =
        GetAnonymous("/api/v1/audit?limit=3&before=" + events.json["next"].get<std::string>(), ada);
    ASSERT_EQ(events.status, 200);
  }
  EXPECT_GT(seen, 0u);  // the sample configuration's shop entities
  // A full admin sees the events of no application too (the cloud provider's).
  std::set<std::string> applications;
  Reply full = Get("/api/v1/audit?limit=100");
  for (const Json& e : full.json["items"]) {
    applications.insert(e["application"].get<std::string>());
  }
  EXPECT_GT(applications.size(), 1u) << full.body;
  EXPECT_TRUE(GetAnonymous("/api/v1/audit?application=other", ada).json["items"].empty());
}

}  // namespace
}  // namespace ferry::api::testing
