// Compares model/lambda_limits.h with the official Lambda API model so they cannot drift. The
// model is in the repository (tests/data/aws/models/lambda/2015-03-31); without it every test here
// fails rather than skipping, so a drift can never pass unnoticed.
#include "model/lambda_limits.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/compression.h"
#include "common/json.h"

namespace ferry::model::lambda {
namespace {

// FERRY_SOURCE_DIR is set by tests/support/test_main.cc.
std::filesystem::path ModelPath() {
  const char* root = std::getenv("FERRY_SOURCE_DIR");
  return std::filesystem::path(root ? root : ".") /
         "tests/data/aws/models/lambda/2015-03-31/service-2.json.gz";
}

Json LoadModel() {
  std::ifstream in(ModelPath(), std::ios::binary);
  if (!in) return nullptr;
  std::stringstream gzipped;
  gzipped << in.rdbuf();
  auto text = Gunzip(gzipped.str(), 64 * 1024 * 1024);
  if (!text.ok()) return nullptr;
  auto json = ParseJson(*text, {.max_bytes = 64 * 1024 * 1024, .max_depth = 64});
  return json.ok() ? *json : Json(nullptr);
}

class LambdaLimitsModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new Json(LoadModel()); }
  static void TearDownTestSuite() { delete model_; }
  void SetUp() override {
    ASSERT_FALSE(model_->is_null()) << "cannot read the Lambda model " << ModelPath();
  }
  const Json& Shape(const char* name) { return (*model_)["shapes"][name]; }
  static Json* model_;
};
Json* LambdaLimitsModelTest::model_ = nullptr;

TEST_F(LambdaLimitsModelTest, RuntimesEqualTheModelEnum) {
  std::vector<std::string> expected = Shape("Runtime")["enum"].get<std::vector<std::string>>();
  EXPECT_EQ(Runtimes(), expected);
}

TEST_F(LambdaLimitsModelTest, RangesLieInsideTheModel) {
  EXPECT_EQ(Shape("MemorySize")["min"], kMinMemoryMb);
  EXPECT_GE(Shape("MemorySize")["max"].get<int64_t>(), kMaxMemoryMb);
  EXPECT_EQ(Shape("Timeout")["min"], kMinTimeoutSeconds);
  if (Shape("Timeout").contains("max")) {
    EXPECT_GE(Shape("Timeout")["max"].get<int64_t>(), kMaxTimeoutSeconds);
  }
  EXPECT_EQ(Shape("EphemeralStorageSize")["min"], kMinEphemeralStorageMb);
  EXPECT_EQ(Shape("EphemeralStorageSize")["max"], kMaxEphemeralStorageMb);
  EXPECT_EQ(Shape("Alias")["max"], static_cast<int64_t>(kMaxAliasLength));
  EXPECT_EQ(Shape("Handler")["max"], static_cast<int64_t>(kMaxHandlerLength));
  EXPECT_EQ(Shape("Description")["max"], static_cast<int64_t>(kMaxDescriptionLength));
  EXPECT_EQ(Shape("ArchitecturesList")["max"], static_cast<int64_t>(kMaxArchitectures));
  EXPECT_EQ(Shape("Architecture")["enum"].get<std::vector<std::string>>(), kArchitectures);
  EXPECT_EQ(Shape("TracingMode")["enum"], (std::vector<std::string>{"Active", "PassThrough"}));
  EXPECT_EQ(Shape("PackageType")["enum"], (std::vector<std::string>{"Zip", "Image"}));
}

TEST_F(LambdaLimitsModelTest, PatternsEqualTheModel) {
  EXPECT_EQ(Shape("FunctionName")["pattern"], std::string(kFunctionNamePattern));
  EXPECT_EQ(Shape("Alias")["pattern"], std::string(kAliasPattern));
  EXPECT_EQ(Shape("Handler")["pattern"], std::string(kHandlerPattern));
  EXPECT_EQ(Shape("LayerVersionArn")["pattern"], std::string(kLayerVersionArnPattern));
  EXPECT_EQ(Shape("EnvironmentVariableName")["pattern"],
            std::string(kEnvironmentVariableNamePattern));
  EXPECT_EQ(Shape("RoleArn")["pattern"], std::string(kRoleArnPattern));
  EXPECT_EQ(Shape("KMSKeyArn")["pattern"], std::string(kResourceArnPattern));
}

TEST(LambdaLimitsTest, FunctionAndAliasNames) {
  EXPECT_EQ(CheckFunctionName("orders-api_2"), "");
  EXPECT_NE(CheckFunctionName("orders.api"), "");
  EXPECT_NE(CheckFunctionName("arn:aws:lambda:eu-west-1:123456789012:function:x"), "");
  EXPECT_NE(CheckFunctionName(std::string(65, 'a')), "");
  EXPECT_EQ(CheckFunctionName(std::string(64, 'a')), "");
  EXPECT_EQ(CheckAliasName("live"), "");
  EXPECT_NE(CheckAliasName("123"), "");  // all digits would be a version
  EXPECT_EQ(CheckAliasName("v2"), "");
  EXPECT_NE(CheckAliasName("has space"), "");
  EXPECT_TRUE(IsKnownRuntime("python3.12"));
  EXPECT_FALSE(IsKnownRuntime("python3.99"));
}

}  // namespace
}  // namespace ferry::model::lambda
