#include "support/prerequisite.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>

#include "support/child_process.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;

// Sets an environment variable for one scope, restoring the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void Require(const std::string& missing) { FERRY_TEST_REQUIRE(missing); }

TEST(PrerequisiteTest, OnlyFerryTestAllowSkipOneAllowsSkips) {
  {
    ScopedEnv env(kAllowSkipVariable, nullptr);
    EXPECT_FALSE(SkipsAllowed());
  }
  for (const char* no : {"", "0", "yes", "true"}) {
    ScopedEnv env(kAllowSkipVariable, no);
    EXPECT_FALSE(SkipsAllowed()) << no;
  }
  ScopedEnv env(kAllowSkipVariable, "1");
  EXPECT_TRUE(SkipsAllowed());
}

TEST(PrerequisiteTest, AMissingPrerequisiteFailsAndSaysHowToSkip) {
  ScopedEnv env(kAllowSkipVariable, nullptr);
  EXPECT_FATAL_FAILURE(Require("the thing is missing (/x); get it"),
                       "the thing is missing (/x); get it (set FERRY_TEST_ALLOW_SKIP=1 to skip");
}

TEST(PrerequisiteTest, NothingMissingDoesNothing) {
  ScopedEnv env(kAllowSkipVariable, nullptr);
  Require("");
  EXPECT_FALSE(HasFailure());
  EXPECT_FALSE(IsSkipped());
}

// Runs this very test in a child test process (where FERRY_TEST_PREREQUISITE_CHILD is set it
// plays the test with a missing prerequisite): a failure without the opt-out, a skip with it.
TEST(PrerequisiteTest, TheOptOutTurnsTheFailureIntoAVisibleSkip) {
  if (std::getenv("FERRY_TEST_PREREQUISITE_CHILD") != nullptr) {
    FERRY_TEST_REQUIRE("the probe is missing");
  }
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string filter =
      "--gtest_filter=PrerequisiteTest.TheOptOutTurnsTheFailureIntoAVisibleSkip";
  auto failed = ChildProcess::Run(
      {self, filter},
      ProcessOptions{.env = {{"FERRY_TEST_PREREQUISITE_CHILD", "1"}, {kAllowSkipVariable, ""}}});
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_THAT(failed.out, HasSubstr("the probe is missing (set FERRY_TEST_ALLOW_SKIP=1"));
  EXPECT_THAT(failed.out, HasSubstr("[  FAILED  ]"));
  auto skipped = ChildProcess::Run(
      {self, filter},
      ProcessOptions{.env = {{"FERRY_TEST_PREREQUISITE_CHILD", "1"}, {kAllowSkipVariable, "1"}}});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.out << skipped.err;
  EXPECT_THAT(skipped.out, HasSubstr("the probe is missing (skipped: FERRY_TEST_ALLOW_SKIP=1)"));
  EXPECT_THAT(skipped.out, HasSubstr("[  SKIPPED ]"));
}

TEST(PrerequisiteTest, MissingFilesNameThePathAndTheRemedy) {
  EXPECT_EQ(MissingFile("/", "root", "n/a"), "");
  EXPECT_EQ(MissingFile("/nonexistent/f", "the f tool", "install f"),
            "the f tool is missing (/nonexistent/f); install f");
  EXPECT_EQ(MissingProgram("sh", "n/a"), "");
  EXPECT_EQ(MissingProgram("ferry-no-such-program", "install it"),
            "ferry-no-such-program is not on PATH; install it");
  ScopedEnv binary("FERRY_BINARY", "/nonexistent/ferry");
  EXPECT_THAT(MissingFerryBinary(), HasSubstr("the ferry binary is missing (/nonexistent/ferry)"));
  EXPECT_THAT(MissingFerryBinary(), HasSubstr("scripts/build release"));
  ScopedEnv source("FERRY_SOURCE_DIR", "/nonexistent");
  EXPECT_THAT(MissingNpmPackage("s3rver"),
              HasSubstr("the npm package s3rver is missing (/nonexistent/node_modules/s3rver)"));
  EXPECT_THAT(MissingNpmPackage("s3rver"), HasSubstr("scripts/install-deps"));
}

}  // namespace
}  // namespace ferry::test
