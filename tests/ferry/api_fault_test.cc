// The fault suite's bad-input scenarios end to end (issue 5): configuration applied and
// deployments started through the REST API of a real `ferry server`, a real `ferry sandbox` over
// HTTP. A deployment that meets a missing S3 object, a corrupt zip, a role that is not an IAM role
// or a function that fails to become Active must end rolled_back with an error that names the
// cause, every alias back at the version the previous deployment left (serving its build), and
// nothing published twice. The AWS side is read from the sandbox with Ferry's aws clients.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

class ApiFaultTest : public DeployE2eTest {
 protected:
  // orders and billing deployed at build b1 (version 1 each); b2 uploaded.
  void DeployFirst() { ASSERT_NO_FATAL_FAILURE(DeployOrdersAndBillingAtB1(ids_)); }

  // `e` ended rolled_back; orders and billing serve b1 from version 1 again; the invariants hold
  // (for `extra` AWS functions too: a function the deployment created is gone).
  void ExpectRolledBack(const Json& e, const std::vector<std::string>& extra = {}) {
    ASSERT_EQ(Str(e, "status"), "rolled_back") << e.dump(2);
    ids_.push_back(Str(e, "id"));
    for (const char* f : {"shop-orders-dev", "shop-billing-dev"}) {
      EXPECT_EQ(AliasVersion(f), "1") << f;
      EXPECT_EQ(InvokeBuild(f), "b1") << f;
    }
    std::vector<std::string> functions = {"shop-orders-dev", "shop-billing-dev"};
    functions.insert(functions.end(), extra.begin(), extra.end());
    for (const auto& p : CheckDeployInvariants(ids_, functions, {"succeeded", "rolled_back"})) {
      ADD_FAILURE() << p;
    }
    for (const auto& f : extra) {
      EXPECT_FALSE(lambda_->GetFunctionConfiguration(f).ok())
          << f << ": the rollback deletes the function the deployment created";
    }
  }

  std::vector<std::string> ids_;
};

TEST_F(ApiFaultTest, MissingS3ObjectRollsBackAndNamesTheKey) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  Json e = Deploy("api/api-never-uploaded.zip");
  ASSERT_NO_FATAL_FAILURE(ExpectRolledBack(e));
  EXPECT_THAT(Str(e, "error"), HasSubstr("NoSuchKey"));
  // AWS's message does not name the object; Ferry's error leads with the call that failed.
  EXPECT_THAT(Str(e, "error"), HasSubstr("from s3://"));
  EXPECT_THAT(Str(e, "error"), HasSubstr("api/api-never-uploaded.zip"));
  EXPECT_EQ(PublishedVersions("shop-orders-dev"), std::vector<std::string>{"1"});
}

TEST_F(ApiFaultTest, CorruptZipRollsBackAndSaysTheZipIsBad) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  ASSERT_NO_FATAL_FAILURE(UploadBytes("api/api-corrupt.zip", "PK\x03\x04 this is not a zip"));
  Json e = Deploy("api/api-corrupt.zip");
  ASSERT_NO_FATAL_FAILURE(ExpectRolledBack(e));
  EXPECT_THAT(Errors(e), HasSubstr("InvalidParameterValue"));
  EXPECT_THAT(Errors(e), AnyOf(HasSubstr("zip"), HasSubstr("Zip")));
}

// The configuration with `role` as the dev environment's execution role.
Json WithRole(Json entities, const std::string& role) {
  for (Json& entity : entities) {
    if (Str(entity, "kind") == "Environment") entity["infrastructure"][0]["executionRole"] = role;
  }
  return entities;
}

TEST_F(ApiFaultTest, RoleThatIsNotAnIamRoleArnIsRefusedAtApply) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  ApiResponse applied = api_->Post(
      "/api/v1/apply", Json{{"entities", WithRole(Entities({"orders", "billing"}),
                                                  "arn:aws:iam::000000000000:user/not-a-role")}});
  EXPECT_EQ(applied.status, 400) << applied.Describe();
  EXPECT_THAT(applied.body, HasSubstr("executionRole"));
  EXPECT_THAT(applied.body, HasSubstr("must be an IAM role ARN"));
  // Nothing changed: the next deployment still deploys with the old role.
  Json e = Deploy("api/api-2.zip");
  EXPECT_EQ(Str(e, "status"), "succeeded") << Errors(e);
  EXPECT_EQ(lambda_->GetFunctionConfiguration("shop-orders-dev")->role, kRole);
}

// A well-formed role ARN that Lambda cannot assume (the role does not exist or does not trust
// Lambda): AWS refuses CreateFunction and UpdateFunctionConfiguration with
// InvalidParameterValueException, here injected as the sandbox does not model IAM.
TEST_F(ApiFaultTest, RoleLambdaCannotAssumeRollsBackNamingTheRole) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  const std::string message = "The role defined for the function cannot be assumed by Lambda.";
  for (const char* op : {"CreateFunction", "UpdateFunctionConfiguration"}) {
    ASSERT_EQ(SandboxFaults("POST", Json{{"op", op},
                                         {"rate", 1.0},
                                         {"code", "InvalidParameterValueException"},
                                         {"status", 400},
                                         {"message", message}}),
              200);
  }
  ASSERT_NO_FATAL_FAILURE(Apply(WithRole(Entities({"orders", "billing", "fresh"}),
                                         "arn:aws:iam::000000000000:role/does-not-exist")));
  Json e = Deploy("api/api-2.zip");
  ASSERT_EQ(SandboxFaults("DELETE"), 200);
  ASSERT_NO_FATAL_FAILURE(ExpectRolledBack(e, {"shop-fresh-dev"}));
  EXPECT_THAT(Errors(e), HasSubstr(message));
  EXPECT_THAT(Errors(e), HasSubstr("InvalidParameterValueException"));
}

TEST_F(ApiFaultTest, FunctionThatFailsToBecomeActiveRollsBackNamingTheReason) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  ASSERT_EQ(SandboxFaults("POST", Json{{"op", "CreateFunction"},
                                       {"outcome", "state-failed"},
                                       {"message", "Subnet has no free IPs (injected)"}}),
            200);
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders", "billing", "fnew"})));
  Json e = Deploy("api/api-2.zip");
  ASSERT_NO_FATAL_FAILURE(ExpectRolledBack(e, {"shop-fnew-dev"}));
  EXPECT_THAT(Str(e, "error"), HasSubstr("shop-fnew-dev"));
  EXPECT_THAT(Str(e, "error"), HasSubstr("Active"));
  EXPECT_THAT(Errors(e), HasSubstr("Subnet has no free IPs (injected)"));
}

TEST_F(ApiFaultTest, CodeUpdateThatFailsRollsBackNamingTheReason) {
  ASSERT_NO_FATAL_FAILURE(DeployFirst());
  ASSERT_EQ(SandboxFaults("POST", Json{{"op", "UpdateFunctionCode"},
                                       {"outcome", "state-failed"},
                                       {"message", "KMS key disabled (injected)"}}),
            200);
  Json e = Deploy("api/api-2.zip");
  ASSERT_NO_FATAL_FAILURE(ExpectRolledBack(e));
  EXPECT_THAT(Errors(e), HasSubstr("KMS key disabled (injected)"));
}

}  // namespace
}  // namespace ferry::test
