#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/log.h"
#include "common/secret_mask.h"

namespace ferry {
namespace {

TEST(SecretMaskTest, RegisteredValuesAreMaskedEverywhere) {
  SecretMasker masker;
  masker.Register("hunter2-password");
  EXPECT_EQ(masker.Mask("db password is hunter2-password, again hunter2-password"),
            "db password is ****, again ****");
  masker.Register("ab");  // too short to mask safely
  EXPECT_EQ(masker.Mask("abc"), "abc");
}

TEST(SecretMaskTest, KnownShapesAreMaskedWithoutRegistration) {
  SecretMasker masker;
  EXPECT_EQ(masker.Mask("Authorization: AWS4-HMAC-SHA256 Credential=AKID/2026, Signature=abc\r\n"),
            "Authorization: ****\r\n");
  EXPECT_EQ(masker.Mask("https://b.s3/k?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok&x=1"),
            "https://b.s3/k?X-Amz-Signature=****&X-Amz-Security-Token=****&x=1");
  EXPECT_EQ(masker.Mask(R"({"SecretAccessKey":"wJalr","SessionToken":"FQoG","AccessKeyId":"A"})"),
            R"({"SecretAccessKey":"****","SessionToken":"****","AccessKeyId":"A"})");
  // Pretty-printed JSON too, and a value with an escaped quote is masked to its real end.
  EXPECT_EQ(masker.Mask("{\n  \"SecretAccessKey\" : \"wJalr\",\n  \"sessionToken\":\t\"FQ\\\"oG\"\n}"),
            "{\n  \"SecretAccessKey\" : \"****\",\n  \"sessionToken\":\t\"****\"\n}");
  EXPECT_EQ(masker.Mask(R"({"secret_access_key": "abc)"), R"({"secret_access_key": "****)")
      << "a value cut off at the end of the text";
  EXPECT_EQ(masker.Mask(R"({"SecretAccessKey": null, "SessionToken": 5})"),
            R"({"SecretAccessKey": null, "SessionToken": 5})");
  EXPECT_EQ(masker.Mask(R"("SessionToken")"), R"("SessionToken")");
  EXPECT_EQ(masker.Mask("aws_secret_access_key=wJalrXUtnFEMI\nregion=x"),
            "aws_secret_access_key=****\nregion=x");
}

TEST(LogTest, LinesAreMaskedAndStructured) {
  SecretMasker::Global().Register("s3cr3t-value-123");
  std::vector<std::string> lines;
  log::CaptureLog capture([&](const std::string& l) { lines.push_back(l); });
  log::Configure(log::Level::kInfo, log::Format::kText);
  log::Debug("hidden");
  log::Info("resolved secret", {{"value", "s3cr3t-value-123"}, {"fn", "orders api"}});
  log::Configure(log::Level::kInfo, log::Format::kJson);
  log::Warn("json line", {{"token", "s3cr3t-value-123"}});
  log::Configure(log::Level::kInfo, log::Format::kText);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("INFO resolved secret value=**** fn=\"orders api\""), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(R"("token":"****")"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[1].find("s3cr3t"), std::string::npos);
  SecretMasker::Global().Unregister("s3cr3t-value-123");
}

}  // namespace
}  // namespace ferry
