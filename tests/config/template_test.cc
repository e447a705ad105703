#include "config/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::config {
namespace {

using ::testing::HasSubstr;

TEST(TemplateTest, ParsesReferences) {
  auto refs = ParseTemplate("${env.name}-x-${ serviceVariable.level }$${literal}");
  ASSERT_TRUE(refs.ok()) << refs.error().ToString();
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[0].name, "env.name");
  EXPECT_EQ((*refs)[1].name, "serviceVariable.level");
  EXPECT_EQ(SplitReference("secrets.db-pass"),
            std::make_pair(std::string("secrets"), std::string("db-pass")));
  EXPECT_EQ(SplitReference("workflow.variables.env"),
            std::make_pair(std::string("workflow.variables"), std::string("env")));
}

TEST(TemplateTest, SyntaxErrors) {
  auto r = ParseTemplate("abc-${env.name");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("unterminated"));
  r = ParseTemplate("${}");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("empty"));
  r = ParseTemplate("${env.nam}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unknown template name ${env.nam}; did you mean ${env.name}?");
  r = ParseTemplate("${secrets}");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("needs a name"));
  r = ParseTemplate("${env.name|upper}");
  ASSERT_FALSE(r.ok());
}

TEST(TemplateTest, Renders) {
  TemplateContext ctx;
  ctx.values = {{"env.name", "prod"}, {"serviceVariable.level", "info"}};
  auto out = RenderTemplate("${env.name}-api ${serviceVariable.level} $${kept} $x", ctx);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(*out, "prod-api info ${kept} $x");
}

TEST(TemplateTest, UnresolvedNamesFailClearly) {
  TemplateContext ctx;
  ctx.values = {{"env.name", "prod"}, {"serviceVariable.level", "info"}};
  auto out = RenderTemplate("${serviceVariable.levl}", ctx);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message,
            "cannot render ${serviceVariable.levl}: no such value here; did you mean "
            "${serviceVariable.level}?");
  out = RenderTemplate("${artifact.key}", ctx);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("available: env.name, serviceVariable.level"));
  out = RenderTemplate("${secrets.db}", ctx);
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("secrets are not available"));
}

TEST(TemplateTest, SecretsComeFromTheResolver) {
  TemplateContext ctx;
  ctx.secret = [](std::string_view name) -> Result<std::string> {
    if (name == "db") return std::string("s3cr3t-value");
    return NotFound("no secret " + std::string(name));
  };
  EXPECT_EQ(*RenderTemplate("pw=${secrets.db}", ctx), "pw=s3cr3t-value");
  auto missing = RenderTemplate("${secrets.other}", ctx);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(TemplateTest, KeepingSecretsLeavesReferencesBetweenLiteralParts) {
  TemplateContext ctx;
  ctx.values = {{"env.name", "dev"}};
  ctx.secret_names = {{"serviceVariable.pw", "orders-db"}};
  bool called = false;
  ctx.secret = [&called](std::string_view) -> Result<std::string> {
    called = true;
    return std::string("never");
  };
  auto parts =
      RenderTemplateKeepingSecrets("u:${secrets.db}@${env.name}/$${x}${serviceVariable.pw}", ctx);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ(*parts, (SecretText{{"u:", ""}, {"", "db"}, {"@dev/${x}", ""}, {"", "orders-db"}}));
  EXPECT_FALSE(called) << "references are not resolved";
  EXPECT_EQ(*RenderTemplateKeepingSecrets("plain $${literal}", ctx),
            (SecretText{{"plain ${literal}", ""}}));
  EXPECT_TRUE(RenderTemplateKeepingSecrets("", ctx)->empty());
  EXPECT_FALSE(RenderTemplateKeepingSecrets("${env.nam}", ctx).ok());
  // RenderTemplate resolves the same references.
  ctx.secret = [](std::string_view name) -> Result<std::string> {
    return "<" + std::string(name) + ">";
  };
  EXPECT_EQ(*RenderTemplate("u:${secrets.db}:${serviceVariable.pw}", ctx), "u:<db>:<orders-db>");
}

}  // namespace
}  // namespace ferry::config
