// Token scopes (api/scopes.h): the chain admin ⊇ deploy ⊇ read, and the service accounts of
// `ferry token create` bound to the matching built-in role, so every /api/v1 route of a real
// server answers such tokens as before, with a 403 that says which permission the route needs.
#include "api/scopes.h"

#include <gmock/gmock.h>

#include "api_fixture.h"

namespace ferry::api::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Scopes, ParseAndGrantFollowTheChain) {
  EXPECT_EQ(ParseScope("read").value(), Scope::kRead);
  EXPECT_EQ(ParseScope("deploy").value(), Scope::kDeploy);
  EXPECT_EQ(ParseScope("admin").value(), Scope::kAdmin);
  for (const char* bad : {"", "Admin", "root", "read ", "*", "deploy,admin"}) {
    auto parsed = ParseScope(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(parsed.error().message, HasSubstr("read, deploy or admin"));
  }
  EXPECT_TRUE(Grants({"admin"}, Scope::kAdmin));
  EXPECT_TRUE(Grants({"admin"}, Scope::kRead));
  EXPECT_TRUE(Grants({"deploy"}, Scope::kRead));
  EXPECT_TRUE(Grants({"deploy"}, Scope::kDeploy));
  EXPECT_FALSE(Grants({"deploy"}, Scope::kAdmin));
  EXPECT_FALSE(Grants({"read"}, Scope::kDeploy));
  EXPECT_TRUE(Grants({"read", "deploy"}, Scope::kDeploy));
  EXPECT_FALSE(Grants({}, Scope::kRead));
  EXPECT_FALSE(Grants({"superuser", "ADMIN"}, Scope::kRead));  // unknown names grant nothing
}

class ScopedTokenTest : public ApiServerTest {
 protected:
  std::string TokenWith(const std::string& name, std::vector<std::string> scopes) {
    auto issued = store_->tokens().Issue({name, std::move(scopes), std::nullopt}, "test");
    EXPECT_TRUE(issued.ok());
    return issued.ok() ? issued->secret : "";
  }
  static httplib::Headers As(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
};

void ExpectDenied(const Reply& reply, const std::string& needs) {
  EXPECT_EQ(reply.status, 403) << reply.body;
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  EXPECT_EQ(reply.json["error"]["code"], "permission_denied") << reply.body;
  EXPECT_THAT(reply.json["error"]["message"].get<std::string>(), HasSubstr("needs '" + needs));
}

TEST_F(ScopedTokenTest, ReadTokensReadButChangeNothing) {
  ApplySampleConfig();
  const std::string read = TokenWith("viewer", {"read"});
  EXPECT_EQ(GetAnonymous("/api/v1/executions", As(read)).status, 200);
  EXPECT_EQ(GetAnonymous("/api/v1/applications", As(read)).status, 200);
  EXPECT_EQ(GetAnonymous("/api/v1/artifacts", As(read)).status, 200);
  EXPECT_EQ(GetAnonymous("/api/v1/deployments", As(read)).status, 200);

  const std::string deploy = R"({"application":"shop","service":"orders","environment":"dev"})";
  Reply denied = Post("/api/v1/deployments", deploy, As(read));
  ExpectDenied(denied, "deploy");
  EXPECT_THAT(denied.body, HasSubstr("viewer"));
  EXPECT_THAT(denied.body, Not(HasSubstr(read)));  // the secret is never echoed
  ExpectDenied(Post("/api/v1/apply", R"({"entities":[]})", As(read)), "manage-config");
  ExpectDenied(Delete("/api/v1/cloud-providers/local", As(read)), "manage-config");
  // Nothing was started or changed.
  EXPECT_EQ(Get("/api/v1/executions").json["items"].size(), 0u);
  EXPECT_EQ(Get("/api/v1/applications").status, 200);
}

TEST_F(ScopedTokenTest, DeployTokensDeployAndAbortButCannotChangeConfiguration) {
  ApplySampleConfig();
  const std::string ci = TokenWith("ci", {"deploy"});
  const std::string body = R"({"application":"shop","service":"orders","environment":"dev"})";
  Reply started = Post("/api/v1/deployments", body, As(ci));
  ASSERT_EQ(started.status, 201) << started.body;
  const std::string id = started.json["id"].get<std::string>();
  EXPECT_EQ(Post("/api/v1/executions/" + id + "/abort", "{}", As(ci)).status, 202);
  ExpectDenied(Post("/api/v1/apply", R"({"entities":[]})", As(ci)), "manage-config");
  ExpectDenied(Put("/api/v1/applications/x", R"({"kind":"Application","name":"x"})", As(ci)),
               "manage-config");
}

TEST_F(ScopedTokenTest, TokensWithoutAKnownScopeAreDeniedEverywhere) {
  const std::string odd = TokenWith("odd", {"superuser"});
  ExpectDenied(GetAnonymous("/api/v1/executions", As(odd)), "view");
  // Unknown routes still say 404 for any authenticated token (routing comes before scopes).
  EXPECT_EQ(GetAnonymous("/api/v1/no/such/route/here", As(odd)).status, 404);
}

// Issue 18: a deploy token deployed code from another team's bucket. Over HTTP: a location
// outside the service's artifact source is refused, and only an admin may allow it.
TEST_F(ScopedTokenTest, DeployTokensDeployOnlyFromTheArtifactSource) {
  ApplySampleConfig();
  const std::string deployer = TokenWith("ci", {"deploy"});
  const std::string evil = R"({"application":"shop","service":"orders","environment":"dev",)"
                           R"("artifact":{"s3Bucket":"other-team","s3Key":"x/evil.zip"})";
  Reply refused = Post("/api/v1/deployments", evil + "}", As(deployer));
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("outside service orders's artifact source"));
  Reply escalated =
      Post("/api/v1/deployments", evil + R"(,"allowOutsideArtifactSource":true})", As(deployer));
  EXPECT_EQ(escalated.status, 403) << escalated.body;
  EXPECT_THAT(escalated.body, HasSubstr("only an admin may"));
  EXPECT_EQ(Get("/api/v1/executions").json["items"].size(), 0u);
  // The fixture's token is an admin's.
  EXPECT_EQ(Post("/api/v1/deployments", evil + R"(,"allowOutsideArtifactSource":true})").status,
            201);
}

}  // namespace
}  // namespace ferry::api::testing
