// The child-process harness (child_process.h, sandbox_process.h) against the real binary and
// plain processes: line parsing, exit codes, kills, captured streams, and a real `ferry sandbox`.
#include "support/child_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "support/function_zip.h"
#include "support/sandbox_process.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ferry::test {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

// Processes of group `pgid` that are not zombies, from /proc/PID/stat.
int LiveMembers(pid_t pgid) {
  int live = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const size_t close = stat.rfind(')');  // the command name may contain spaces
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') ++live;
  }
  return live;
}

TEST(ChildProcessTest, RunsOneShotCommandAndCapturesBothStreams) {
  auto r = ChildProcess::Run({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("ferry ", 0), 0u) << r.out;

  auto bad = ChildProcess::Run({"no-such-command"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_FALSE(bad.err.empty());
}

TEST(ChildProcessTest, WaitForLineFindsPrefixedLinesAndGivesUpAtTheDeadline) {
  auto child = ChildProcess::Spawn(
      {"/bin/sh", "-c", "echo 'first line'; echo 'api: http://x:1  (rest)'; sleep 30"});
  ASSERT_TRUE(child->started());
  EXPECT_EQ(child->WaitForLine("api: ", seconds(10)).value_or(""), "http://x:1  (rest)");
  EXPECT_EQ(FirstWord("http://x:1  (rest)"), "http://x:1");
  EXPECT_FALSE(child->WaitForLine("token: ", seconds(1)).has_value());
  EXPECT_EQ(child->Terminate(SIGTERM).value_or(-1), 128 + SIGTERM);
}

TEST(ChildProcessTest, KillTakesTheWholeProcessGroup) {
  auto child = ChildProcess::Spawn({"/bin/sh", "-c", "sleep 60 & echo started; wait"});
  ASSERT_TRUE(child->WaitForLine("started", seconds(10)).has_value());
  const pid_t group = child->pid();
  EXPECT_EQ(LiveMembers(group), 2);  // the shell and its sleeping child
  child->Kill();
  EXPECT_TRUE(child->Wait(seconds(1)).has_value());
  // Nothing of the group is left running (the grandchild was killed too, not orphaned; it may
  // stay a zombie until its new parent reaps it). The shell is reaped by now, but the
  // grandchild handles its SIGKILL when the scheduler runs it: give it until the deadline.
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (LiveMembers(group) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(LiveMembers(group), 0);
}

TEST(ChildProcessTest, EnvironmentAndWorkingDirectoryReachTheChild) {
  TempDir dir;
  auto r = ChildProcess::Run(
      {"/bin/sh", "-c", "echo \"$FERRY_E2E_VALUE\"; pwd; echo \"${HOME:-unset}\""},
      ProcessOptions{{{"FERRY_E2E_VALUE", "v1"}, {"HOME", ""}}, dir.Sub("")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "v1\n" + std::filesystem::canonical(dir.path()).string() + "\nunset\n");
}

TEST(ChildProcessTest, DestructorTakesTheWholeProcessGroup) {
  pid_t group = 0;
  {
    auto child = ChildProcess::Spawn({"/bin/sh", "-c", "sleep 60 & echo started; wait"});
    ASSERT_TRUE(child->WaitForLine("started", seconds(10)).has_value());
    group = child->pid();
    EXPECT_EQ(LiveMembers(group), 2);
  }
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (LiveMembers(group) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(LiveMembers(group), 0);
}

TEST(ChildProcessTest, AProgramThatCannotRunExits127AndSaysWhy) {
  auto r = ChildProcess::Run({"/nonexistent/ferry-test-program", "x"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_THAT(r.err, HasSubstr("cannot execute /nonexistent/ferry-test-program: errno 2"));
  auto child = ChildProcess::Spawn({"/nonexistent/ferry-test-program"});
  child->Wait(seconds(10));
  EXPECT_THAT(child->diagnostics(), HasSubstr("/nonexistent/ferry-test-program"));
}

TEST(ChildProcessTest, StderrMayJoinStdoutInOrder) {
  auto r = ChildProcess::Run({"/bin/sh", "-c", "echo one; echo two >&2; echo three"},
                             ProcessOptions{.stderr_to_stdout = true});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "one\ntwo\nthree\n");
  EXPECT_EQ(r.err, "");
}

TEST(ChildProcessTest, RunKillsACommandThatOutlivesItsTimeout) {
  auto r = ChildProcess::Run({"/bin/sh", "-c", "echo begun; sleep 60"}, {}, seconds(1));
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.out, "begun\n");
}

TEST(ZipOfTest, HoldsOneFileUnderItsName) {
  const std::string zip = ZipOf("index.py", "def handler(e, c):\n    return 1\n");
  ASSERT_GT(zip.size(), 4u);
  EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_THAT(zip, HasSubstr("index.py"));
  EXPECT_NE(MakeZip("x = 1\n"), MakeZip("x = 2\n"));
}

TEST(SandboxProcessTest, StartsOnAFreePortAndAnnouncesItsUrl) {
  TempDir dir;
  auto sandbox = SandboxProcess::Start(dir.Sub("sandbox"));
  ASSERT_TRUE(sandbox->ok()) << sandbox->diagnostics();
  EXPECT_EQ(sandbox->url().rfind("http://127.0.0.1:", 0), 0u) << sandbox->url();
  auto r = ChildProcess::Run({"/usr/bin/curl", "-sf", sandbox->url() + "/_ferry/health"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"ok\""), std::string::npos) << r.out;
  EXPECT_EQ(sandbox->process().Terminate(SIGTERM).value_or(-1), 0);
}

}  // namespace
}  // namespace ferry::test
