// Runs the built `ferry` binary: validate, apply, export as a user would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "common/json.h"
#include "config/test_util.h"

namespace ferry::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr, in order
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// $FERRY_BINARY_DIR/apps/ferry/ferry, else found relative to this test binary
// (BUILD/tests/config/config_cli_tests).
std::filesystem::path FerryBinary() {
  if (const char* dir = std::getenv("FERRY_BINARY_DIR"); dir && *dir) {
    return std::filesystem::path(dir) / "apps/ferry/ferry";
  }
  std::error_code ec;
  auto self = std::filesystem::canonical("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : self.parent_path() / "../../apps/ferry/ferry";
}

CliRun Ferry(const std::string& args) {
  std::string cmd = Quote(FerryBinary().string()) + " " + args + " 2>&1";
  CliRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buf;
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(FerryBinary())) GTEST_SKIP() << "ferry binary not built";
  }
  testing::TempDir dir_;
};

TEST_F(CliTest, ValidateExamples) {
  CliRun r = Ferry("validate -f " + Quote(testing::ExamplesDir().string()));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, StartsWith("ok: 8 file(s), 16 entities ("));
}

TEST_F(CliTest, ValidateReportsEveryProblemAndExitsOne) {
  std::string bad =
      dir_.Write("bad.yaml", "kind: Application\nname: Shop\nfoo: 1\n---\nkind: Nope\n").string();
  CliRun r = Ferry("validate -f " + Quote(bad));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr(bad + ":2:7: name: must be 1-63 lower-case letters"));
  EXPECT_THAT(r.out, HasSubstr(bad + ":3:1: foo: unknown field \"foo\""));
  EXPECT_THAT(r.out, HasSubstr(bad + ":5:7: kind: unknown value \"Nope\""));
  EXPECT_THAT(r.out, HasSubstr("3 problem(s) in 1 file(s)"));

  r = Ferry("validate -o json -f " + Quote(bad));
  EXPECT_EQ(r.exit_code, 1);
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ((*json)["ok"], false);
  ASSERT_EQ((*json)["problems"].size(), 3u);
  EXPECT_EQ((*json)["problems"][1]["path"], "/foo");
  EXPECT_EQ((*json)["problems"][1]["line"], 3);
}

TEST_F(CliTest, ApplyTwiceThenExportAndReapply) {
  std::string data = (dir_.path() / "data").string();
  std::string examples = Quote(testing::ExamplesDir().string());
  CliRun r = Ferry("apply -f " + examples + " --data " + Quote(data));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("created\tService shop/orders"));
  EXPECT_THAT(r.out, HasSubstr("16 created, 0 updated, 0 unchanged"));

  r = Ferry("apply -o json -f " + examples + " --data " + Quote(data));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  for (const auto& row : (*json)["entities"]) EXPECT_EQ(row["outcome"], "unchanged");

  std::string exported = (dir_.path() / "export.yaml").string();
  r = Ferry("export --data " + Quote(data) + " -o " + Quote(exported));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = Ferry("apply -f " + Quote(exported) + " --data " + Quote(data));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("0 created, 0 updated, 16 unchanged"));
}

TEST_F(CliTest, ApplyWritesNothingWhenInvalid) {
  std::string data = (dir_.path() / "data").string();
  std::string bad =
      dir_.Write("bad.yaml", "kind: Application\nname: shop\n---\nkind: Application\nname: x_\n")
          .string();
  CliRun r = Ferry("apply -f " + Quote(bad) + " --data " + Quote(data));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr(bad + ":5:7: name: must be"));
  r = Ferry("export --data " + Quote(data));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, ApplyReferencesWhatIsAlreadyStored) {
  std::string data = (dir_.path() / "data").string();
  std::string app = dir_.Write("app.yaml", "kind: Application\nname: shop\n").string();
  ASSERT_EQ(Ferry("apply -f " + Quote(app) + " --data " + Quote(data)).exit_code, 0);
  std::string wf = dir_.Write("pipeline.yaml",
                              "kind: Pipeline\napplication: shop\nname: p\nstages:\n"
                              "  - name: ok\n    approval: {}\n")
                       .string();
  CliRun r = Ferry("apply -f " + Quote(wf) + " --data " + Quote(data));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("created\tPipeline shop/p"));
}

}  // namespace
}  // namespace ferry::config
