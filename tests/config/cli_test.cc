// Runs the built `ferry` binary: validate, apply, export as a user would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "config/test_util.h"
#include "support/child_process.h"
#include "support/prerequisite.h"
#include "support/temp_dir.h"

namespace ferry::config {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr, in order
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `ferry ARGS` (ARGS shell-quoted as needed) with both streams in one.
CliRun Ferry(const std::string& args) {
  auto r = test::ChildProcess::Run({"/bin/sh", "-c", Quote(test::FerryBinary()) + " " + args},
                                   test::ProcessOptions{.stderr_to_stdout = true});
  return CliRun{r.exit_code, r.out};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { FERRY_TEST_REQUIRE(test::MissingFerryBinary()); }
  test::TempDir dir_;
};

// examples/ is a complete configuration of what runs today (pipelines, approvals, triggers,
// verification, Service Guard, notifications included): validate passes without a warning.
TEST_F(CliTest, ValidateExamplesPassesWithoutWarnings) {
  const std::string examples = testing::ExamplesDir().string();
  CliRun r = Ferry("validate -f " + Quote(examples));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("ok: 10 file(s), 24 entities ("));
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("problem(s)"), std::string::npos) << r.out;

  r = Ferry("validate -o json -f " + Quote(examples));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ((*json)["ok"], true);
  EXPECT_EQ((*json)["problems"].size(), 0u);
  EXPECT_EQ((*json)["warnings"], Json::array());
}

// A configuration that runs: no warning, and the summary says none.
TEST_F(CliTest, ValidateOfRunnableConfigurationHasNoWarning) {
  std::string app = dir_.Write("app.yaml",
                               "kind: Secret\nname: k\nsource: env\nref: K\n---\n"
                               "kind: Application\nname: shop\n")
                        .string();
  CliRun r = Ferry("validate -f " + Quote(app));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "ok: 1 file(s), 2 entities (1 Secret, 1 Application)\n");
  r = Ferry("validate -o json -f " + Quote(app));
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ((*json)["warnings"], Json::array());
}

// Warnings come with problems too (a trigger Ferry stores but cannot run yet, next to a bad name
// and a missing reference).
TEST_F(CliTest, ValidateShowsWarningsNextToProblems) {
  std::string bad =
      dir_.Write("bad.yaml",
                 "kind: Application\nname: shop\n---\nkind: Trigger\n"
                 "application: shop\nname: nightly\nschedule:\n  cron: \"0 3 * * *\"\n"
                 "workflow: basic\nartifactSelection: last-deployed\n---\n"
                 "kind: Application\nname: Shop\n")
          .string();
  CliRun r = Ferry("validate -f " + Quote(bad));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr(bad + ":13:7: name: must be"));
  EXPECT_THAT(r.out, HasSubstr(bad + ":9:11: workflow: no workflow named \"basic\""));
  EXPECT_THAT(r.out, HasSubstr(bad + ":10:20: warning: artifactSelection: trigger nightly "
                                     "deploys the last deployed artifact, which Ferry cannot "
                                     "choose yet"));
  EXPECT_THAT(r.out, HasSubstr("2 problem(s) in 1 file(s)"));
}

// Issue 18: a 1 MiB anchor referenced 2,000 times (2 GB once expanded) killed validate with
// bad_alloc; the real binary now reports it as a problem and exits 1.
TEST_F(CliTest, ValidateBoundsAliasExpansionByBytes) {
  std::string bomb = "kind: Application\nname: shop\ndescription: &big " +
                     std::string(1024 * 1024, 'x') + "\nlabels: [";
  for (int i = 0; i < 2000; ++i) bomb += i ? ", *big" : "*big";
  bomb += "]\n";
  std::string file = dir_.Write("bomb.yaml", bomb).string();
  CliRun r = Ferry("validate -f " + Quote(file));
  EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
  EXPECT_THAT(r.out, HasSubstr("bytes of text (an alias of a long value repeated?)"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("bad_alloc")));
}

// Issue 18's fuzz finding through the real binary: yaml-cpp's endless empty documents are refused
// at their position, quickly, instead of growing until memory runs out.
TEST_F(CliTest, ValidateRefusesTheYamlCppRunawayAtItsPosition) {
  std::string file =
      dir_.Write("runaway.yaml", testing::ReadFile(testing::SourceDir() /
                                                   "fuzz/corpus/config_yaml/yaml-cpp-runaway.yaml"))
          .string();
  CliRun r = Ferry("validate -f " + Quote(file));
  EXPECT_EQ(r.exit_code, 1) << r.out.substr(0, 2000);
  EXPECT_THAT(r.out, HasSubstr(file + ":2:1: malformed YAML: unexpected \",\""));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("bad_alloc")));
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
  EXPECT_THAT(r.out, HasSubstr("24 created, 0 updated, 0 unchanged"));
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << "everything in examples/ runs";

  r = Ferry("apply -o json -f " + examples + " --data " + Quote(data));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto json = ParseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  for (const auto& row : (*json)["entities"]) EXPECT_EQ(row["outcome"], "unchanged");
  EXPECT_EQ((*json)["warnings"], Json::array());

  std::string exported = (dir_.path() / "export.yaml").string();
  r = Ferry("export --data " + Quote(data) + " -o " + Quote(exported));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = Ferry("apply -f " + Quote(exported) + " --data " + Quote(data));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("0 created, 0 updated, 24 unchanged"));
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
