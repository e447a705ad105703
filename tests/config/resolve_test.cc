#include "config/resolve.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/test_util.h"
#include "model/enums.h"

namespace ferry::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class ResolveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loaded_ = LoadConfig(testing::ExamplesDir());
    ASSERT_TRUE(loaded_.ok());
  }
  template <typename T>
  const T& Get(const std::string& name) {
    for (const auto& e : loaded_.entities) {
      if (const T* t = std::get_if<T>(&e); t && t->name == name) return *t;
    }
    ADD_FAILURE() << "no " << name;
    static T empty;
    return empty;
  }
  ResolveInput Input(const std::string& env_name) {
    ResolveInput in;
    in.application = "shop";
    in.service = &Get<model::Service>("orders");
    in.environment = &Get<model::Environment>(env_name);
    in.infrastructure = &in.environment->infrastructure.front();
    in.cloud_provider = &Get<model::CloudProvider>(in.infrastructure->cloud_provider);
    in.artifact = ArtifactRef{"orders/orders-42.zip", "42"};
    in.secret = [this](std::string_view name) -> Result<std::string> {
      requested_.emplace_back(name);
      return "value-of-" + std::string(name);
    };
    return in;
  }
  LoadedConfig loaded_;
  std::vector<std::string> requested_;
};

TEST_F(ResolveTest, DevUsesServiceDefaults) {
  auto fns = ResolveFunctionSpecs(Input("dev"));
  ASSERT_TRUE(fns.ok()) << fns.error().ToString();
  ASSERT_EQ(fns->size(), 2u);
  const ResolvedFunction& api = (*fns)[0];
  EXPECT_EQ(api.function.function_name, "shop-dev-orders-api");
  EXPECT_EQ(api.region, "eu-west-1");  // from the cloud provider
  EXPECT_EQ(api.function.config.runtime, "python3.12");
  EXPECT_EQ(api.function.config.handler, "orders.api.handler");
  EXPECT_EQ(api.function.config.memory_mb, 512);
  EXPECT_EQ(api.function.config.timeout_seconds, 30);
  EXPECT_THAT(api.function.config.architectures, ElementsAre("arm64"));
  EXPECT_EQ(api.function.config.tracing_mode, "Active");
  EXPECT_THAT(api.function.config.environment,
              ElementsAre(Pair("APP_ENV", "dev"), Pair("DB_HOST", "orders-db.dev.internal"),
                          Pair("LOG_LEVEL", "debug")));
  // The secret stays a reference; resolution only checked that it can be read.
  EXPECT_THAT(api.function.secret_environment,
              ElementsAre(Pair("DB_PASSWORD", SecretText{{"", "orders-db-password"}})));
  EXPECT_THAT(requested_, ::testing::Contains("orders-db-password"));
  EXPECT_THAT(api.function.tags,
              ElementsAre(Pair("app", "shop"), Pair("build", "42"), Pair("service", "orders")));
  EXPECT_THAT(api.function.aliases, ElementsAre("dev"));
  EXPECT_EQ(api.function.config.role, "arn:aws:iam::123456789012:role/shop-orders-dev");
  const ResolvedFunction& worker = (*fns)[1];
  EXPECT_EQ(worker.function.config.timeout_seconds, 300);
  EXPECT_EQ(worker.function.config.ephemeral_storage_mb, 1024);
  EXPECT_EQ(worker.function.config.dead_letter_target, "arn:aws:sqs:eu-west-1:123456789012:orders-worker-dlq");
}

TEST_F(ResolveTest, ProdAppliesOverrides) {
  auto fns = ResolveFunctionSpecs(Input("prod"));
  ASSERT_TRUE(fns.ok()) << fns.error().ToString();
  const ResolvedFunction& api = (*fns)[0];
  EXPECT_EQ(api.function.function_name, "shop-prod-orders-api");
  EXPECT_EQ(api.function.config.memory_mb, 1024);
  EXPECT_THAT(api.function.aliases, ElementsAre("live"));
  EXPECT_EQ(api.function.config.kms_key_arn,
            "arn:aws:kms:eu-west-1:210987654321:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b");
  EXPECT_EQ(api.function.config.environment.at("LOG_LEVEL"), "info");
  EXPECT_EQ(api.function.config.environment.at("DB_HOST"), "orders-db.prod.internal");
  EXPECT_EQ(api.function.secret_environment.at("DB_PASSWORD"),
            (SecretText{{"", "orders-db-password-prod"}}));
  EXPECT_THAT(api.function.config.vpc.subnet_ids, ElementsAre("subnet-0f1e2d3c4b5a69788", "subnet-0f1e2d3c4b5a69789"));
  const ResolvedFunction& worker = (*fns)[1];
  EXPECT_EQ(worker.function.config.memory_mb, 512);
  EXPECT_EQ(worker.function.config.dead_letter_target, "arn:aws:sqs:eu-west-1:210987654321:orders-worker-dlq");
}

TEST_F(ResolveTest, UnresolvableTemplatesFailClearly) {
  ResolveInput in = Input("dev");
  in.artifact.reset();
  auto fns = ResolveFunctionSpecs(in);
  ASSERT_FALSE(fns.ok());
  EXPECT_THAT(fns.error().message, HasSubstr("function \"api\" tags.build: cannot render "
                                             "${artifact.version}"));
  in = Input("dev");
  in.secret = nullptr;
  fns = ResolveFunctionSpecs(in);
  ASSERT_FALSE(fns.ok());
  EXPECT_THAT(fns.error().message,
              HasSubstr("environment.DB_PASSWORD: uses secret \"orders-db-password\" and no "
                        "secret resolver is available"));
  in = Input("dev");
  in.secret = [](std::string_view name) -> Result<std::string> {
    return NotFound("secret " + std::string(name) + ": not readable");
  };
  fns = ResolveFunctionSpecs(in);
  ASSERT_FALSE(fns.ok());
  EXPECT_THAT(fns.error().message, HasSubstr("secret orders-db-password: not readable"));
}

// A secret mixed into text stays a reference between its literal parts; "$${" stays a literal.
TEST_F(ResolveTest, SecretsInEnvironmentValuesStayReferences) {
  model::Service service = Get<model::Service>("orders");
  (*service.defaults->environment)["DB_URL"] =
      "postgres://app:${secrets.db}@${env.name}.db/$${HOME}";
  (*service.defaults->environment)["BOTH"] = "${serviceVariable.dbPassword}${secrets.db}";
  ResolveInput in = Input("dev");
  in.service = &service;
  auto fns = ResolveFunctionSpecs(in);
  ASSERT_TRUE(fns.ok()) << fns.error().ToString();
  const ResolvedFunction& api = (*fns)[0];
  EXPECT_EQ(api.function.secret_environment.at("DB_URL"),
            (SecretText{{"postgres://app:", ""}, {"", "db"}, {"@dev.db/${HOME}", ""}}));
  EXPECT_EQ(api.function.secret_environment.at("BOTH"),
            (SecretText{{"", "orders-db-password"}, {"", "db"}}));
  EXPECT_EQ(api.function.config.environment.count("DB_URL"), 0u);
  for (const auto& [key, value] : api.function.config.environment) {
    EXPECT_EQ(value.find("value-of-"), std::string::npos) << key;
  }
}

// Anywhere but an environment value a secret would be readable by whoever reads the function.
TEST_F(ResolveTest, SecretsOutsideEnvironmentValuesAreRefused) {
  for (int field = 0; field < 3; ++field) {
    model::Service service = Get<model::Service>("orders");
    if (field == 0) service.functions[0].description = "pw ${secrets.db}";
    if (field == 1) (*service.defaults->tags)["pw"] = "${serviceVariable.dbPassword}";
    if (field == 2) service.functions[0].function_name = "${secrets.db}";
    ResolveInput in = Input("dev");
    in.service = &service;
    requested_.clear();
    auto fns = ResolveFunctionSpecs(in);
    ASSERT_FALSE(fns.ok()) << field;
    EXPECT_EQ(fns.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(fns.error().message, HasSubstr("secrets can be used only in environment values"));
    EXPECT_THAT(requested_, ::testing::Not(::testing::Contains("db")))
        << "a refused field's secret is not read";
  }
}

TEST_F(ResolveTest, RenderedValuesAreCheckedAgainstLambda) {
  model::Service service = Get<model::Service>("orders");
  service.functions[0].function_name = "${env.name}-${artifact.key}";  // contains '/' and '.'
  ResolveInput in = Input("dev");
  in.service = &service;
  auto fns = ResolveFunctionSpecs(in);
  ASSERT_FALSE(fns.ok());
  EXPECT_THAT(fns.error().message,
              HasSubstr("functionName \"dev-orders/orders-42.zip\" must contain only"));
}

TEST_F(ResolveTest, InfrastructureScopeAndRequirements) {
  model::Environment env = Get<model::Environment>("prod");
  env.infrastructure[0].services = {"payments"};
  ResolveInput in = Input("prod");
  in.environment = &env;
  in.infrastructure = &env.infrastructure[0];
  auto fns = ResolveFunctionSpecs(in);
  ASSERT_FALSE(fns.ok());
  EXPECT_EQ(fns.error().code, ErrorCode::kFailedPrecondition);
  env.infrastructure[0].services.clear();
  env.infrastructure[0].execution_role.reset();
  fns = ResolveFunctionSpecs(in);
  ASSERT_FALSE(fns.ok());
  EXPECT_THAT(fns.error().message, HasSubstr("has no executionRole"));
}

TEST(MergeFunctionSpecTest, LayersReplaceFieldsAndMergeMaps) {
  model::FunctionSpec base;
  base.memory = 128;
  base.environment = {{{"A", "1"}, {"B", "2"}}};
  model::FunctionSpec layer;
  layer.memory = 256;
  layer.environment = {{{"B", "3"}}};
  model::FunctionSpec merged = MergeFunctionSpec(base, layer);
  EXPECT_EQ(merged.memory, 256);
  EXPECT_THAT(*merged.environment, ElementsAre(Pair("A", "1"), Pair("B", "3")));
}

}  // namespace
}  // namespace ferry::config
