// The embedded Lambda model: routing by path template, generic validation, safe unzip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/zip_archive.h"
#include "sandbox/lambda/code_store.h"
#include "sandbox/lambda/model.h"
#include "sandbox/runtime/unzip.h"
#include "support/temp_dir.h"

namespace ferry::sandbox::lambda {
namespace {

TEST(LambdaModelTest, MatchesOperationsByMethodAndPath) {
  const LambdaModel& model = LambdaModel::Get();
  std::map<std::string, std::string> labels;
  auto op = model.Match("GET", "/2015-03-31/functions/orders/aliases/live", labels);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->name, "GetAlias");
  EXPECT_EQ(labels["FunctionName"], "orders");
  EXPECT_EQ(labels["Name"], "live");
  op = model.Match("POST",
                   "/2015-03-31/functions/"
                   "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ax/invocations",
                   labels);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->name, "Invoke");
  EXPECT_EQ(labels["FunctionName"], "arn:aws:lambda:us-east-1:000000000000:function:x");
  EXPECT_EQ(model.Match("GET", "/2015-03-31/functions/", labels)->name, "ListFunctions");
  EXPECT_EQ(model.Match("GET", "/2016-08-19/account-settings/", labels)->name,
            "GetAccountSettings");
  EXPECT_EQ(model.Match("PATCH", "/nothing", labels), nullptr);
}

TEST(LambdaModelTest, ValidatesLikeAws) {
  const LambdaModel& model = LambdaModel::Get();
  InputError error;
  Json good = {{"FunctionName", "orders"},
               {"Role", "arn:aws:iam::000000000000:role/x"},
               {"Runtime", "python3.12"},
               {"Code", {{"ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}}};
  EXPECT_TRUE(model.Validate("CreateFunctionRequest", good, error)) << error.message;

  Json bad = good;
  bad["Runtime"] = "python9";
  bad["MemorySize"] = 100000;
  bad.erase("Role");
  ASSERT_FALSE(model.Validate("CreateFunctionRequest", bad, error));
  EXPECT_EQ(error.code, "ValidationException");
  EXPECT_NE(error.message.find("3 validation errors detected"), std::string::npos);
  EXPECT_NE(error.message.find("Value null at 'role' failed to satisfy constraint: Member must "
                               "not be null"),
            std::string::npos);
  EXPECT_NE(error.message.find("at 'memorySize' failed to satisfy constraint: Member must have "
                               "value less than or equal to"),
            std::string::npos);
  EXPECT_NE(error.message.find("Member must satisfy enum value set"), std::string::npos);

  Json wrong_type = good;
  wrong_type["Timeout"] = "soon";
  ASSERT_FALSE(model.Validate("CreateFunctionRequest", wrong_type, error));
  EXPECT_EQ(error.code, "SerializationException");

  Json pattern = good;
  pattern["FunctionName"] = "has spaces";
  ASSERT_FALSE(model.Validate("CreateFunctionRequest", pattern, error));
  EXPECT_NE(error.message.find("regular expression pattern"), std::string::npos);

  Json huge = good;
  huge["FunctionName"] = std::string(100000, 'a');
  ASSERT_FALSE(model.Validate("CreateFunctionRequest", huge, error));
  EXPECT_NE(error.message.find("length less than or equal to"), std::string::npos);
}

std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<ZipFileToWrite> files;
  for (const auto& [name, content] : entries) files.push_back({name, content});
  auto zip = WriteZip(files);
  EXPECT_TRUE(zip.ok()) << zip.error().message;
  return zip.ok() ? *zip : std::string();
}

TEST(ZipTest, ValidatesAndExtractsSafely) {
  EXPECT_FALSE(ValidateZip("not a zip").ok());
  EXPECT_FALSE(ValidateZip("").ok());
  std::string good = MakeZip({{"app.py", "x = 1\n"}, {"pkg/mod.py", "y = 2\n"}});
  EXPECT_TRUE(ValidateZip(good).ok());

  test::TempDir dir;
  const std::filesystem::path& root = dir.path();
  ASSERT_TRUE(runtime::ExtractZip(good, root / "ok").ok());
  EXPECT_TRUE(std::filesystem::exists(root / "ok" / "pkg" / "mod.py"));

  for (const char* hostile : {"../evil.py", "/etc/evil.py", "a/../../evil.py"}) {
    auto status = runtime::ExtractZip(MakeZip({{hostile, "boom"}}), root / "slip");
    EXPECT_FALSE(status.ok()) << hostile;
    EXPECT_FALSE(std::filesystem::exists(root / "slip")) << "no partial extraction";
  }
  EXPECT_FALSE(std::filesystem::exists(root / "evil.py"));

  std::string bomb = MakeZip({{"big.bin", std::string(4 * 1024 * 1024, '\0')}});
  EXPECT_LT(bomb.size(), 64u * 1024u);
  runtime::UnzipLimits limits;
  limits.max_total_bytes = 1024 * 1024;
  auto status = runtime::ExtractZip(bomb, root / "bomb", limits);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("expands past"), std::string::npos);
}

}  // namespace
}  // namespace ferry::sandbox::lambda
