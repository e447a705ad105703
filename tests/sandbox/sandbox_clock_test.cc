// The sandbox's clock: sleepers measure on it (an Advance that jumps over a sleeper's end wakes
// it at once; one whose end is still ahead sleeps on), and under --data its offset survives a
// restart, so time never runs backwards for what was stored while it was ahead.
#include "sandbox/sandbox_clock.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "common/http_client.h"
#include "common/json.h"
#include "sandbox/sandbox.h"
#include "support/temp_dir.h"

namespace ferry::sandbox {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

// A deadlock guard, not a measurement: the sleeper must have returned long before it.
constexpr auto kGuard = std::chrono::seconds(30);

// Returns once `n` threads sleep on the clock (advancing before a sleeper sleeps would only
// move its start).
void AwaitSleepers(const SandboxClock& clock, int n) {
  for (int i = 0; i < 30'000 && clock.sleepers() < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(clock.sleepers(), n);
}

// Ends a test's sleeper even when an assertion returned early (a future's destructor waits).
struct StopAtExit {
  std::stop_source& stop;
  ~StopAtExit() { stop.request_stop(); }
};

TEST(SandboxClockTest, AnAdvancePastASleepersEndWakesIt) {
  SandboxClock clock(SystemClock::Instance());
  std::stop_source stop;
  auto slept = std::async(std::launch::async,
                          [&] { return clock.SleepFor(hours(1), stop.get_token()); });
  StopAtExit guard{stop};
  ASSERT_NO_FATAL_FAILURE(AwaitSleepers(clock, 1));
  clock.Advance(hours(1));
  ASSERT_EQ(slept.wait_for(kGuard), std::future_status::ready);
  EXPECT_TRUE(slept.get());
  EXPECT_EQ(clock.offset(), hours(1));
}

TEST(SandboxClockTest, ASleeperWhoseEndIsStillAheadSleepsOnForTheRest) {
  SandboxClock clock(SystemClock::Instance());
  std::stop_source stop;
  auto slept = std::async(std::launch::async,
                          [&] { return clock.SleepFor(hours(2), stop.get_token()); });
  StopAtExit guard{stop};
  ASSERT_NO_FATAL_FAILURE(AwaitSleepers(clock, 1));
  clock.Advance(hours(1));
  // Woken, it measured the hour that is left and went back to sleep.
  EXPECT_EQ(slept.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  clock.Advance(minutes(59));
  EXPECT_EQ(slept.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  clock.Advance(minutes(1));
  ASSERT_EQ(slept.wait_for(kGuard), std::future_status::ready);
  EXPECT_TRUE(slept.get());
}

TEST(SandboxClockTest, AStopEndsASleepEarlyAndTimeNeverRunsBackwards) {
  SandboxClock clock(SystemClock::Instance());
  std::stop_source stop;
  auto slept = std::async(std::launch::async,
                          [&] { return clock.SleepFor(hours(1), stop.get_token()); });
  StopAtExit guard{stop};
  ASSERT_NO_FATAL_FAILURE(AwaitSleepers(clock, 1));
  stop.request_stop();
  ASSERT_EQ(slept.wait_for(kGuard), std::future_status::ready);
  EXPECT_FALSE(slept.get());
  clock.Advance(-hours(1));
  clock.Advance(std::chrono::milliseconds(0));
  EXPECT_EQ(clock.offset(), std::chrono::milliseconds(0));
  EXPECT_TRUE(clock.SleepFor(std::chrono::milliseconds(0)));
}

http::Response Admin(const std::string& url, const std::string& method,
                     const std::string& body = "") {
  auto client = http::Client::Create();
  EXPECT_TRUE(client.ok());
  http::Request r;
  r.method = method;
  r.url = url + "/_ferry/clock";
  r.body = body;
  if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
  auto response = (*client)->Send(r);
  EXPECT_TRUE(response.ok()) << response.error().message;
  return response.ok() ? *response : http::Response{};
}

int64_t OffsetSeconds(const http::Response& r) {
  auto parsed = ParseJson(r.body);
  return parsed.ok() ? parsed->value("offset_seconds", int64_t{-1}) : -1;
}

TEST(SandboxClockTest, TheOffsetSurvivesARestartOnTheSameData) {
  ::ferry::test::TempDir dir;
  SandboxOptions options;
  options.data_dir = dir.Sub("sandbox");
  {
    auto sandbox = Sandbox::Start(options);
    ASSERT_TRUE(sandbox.ok()) << sandbox.error().message;
    auto r = Admin((*sandbox)->endpoint_url(), "POST", R"({"advance_seconds": 600})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(OffsetSeconds(r), 600);
    // Hostile bodies change nothing.
    for (const char* bad : {R"({"advance_seconds": -5})", R"({"advance_seconds": "600"})",
                            R"({"advance_seconds": 1e300})", "[600]", "{", ""}) {
      auto refused = Admin((*sandbox)->endpoint_url(), "POST", bad);
      EXPECT_EQ(refused.status, 400) << bad << " -> " << refused.body;
    }
    EXPECT_EQ(OffsetSeconds(Admin((*sandbox)->endpoint_url(), "GET")), 600);
  }
  auto again = Sandbox::Start(options);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(OffsetSeconds(Admin((*again)->endpoint_url(), "GET")), 600);
  EXPECT_GE((*again)->clock().Now(), SystemClock::Instance().Now() + minutes(9));
}

TEST(SandboxClockTest, ACorruptClockFileStopsTheStartWithItsName) {
  ::ferry::test::TempDir dir;
  SandboxOptions options;
  options.data_dir = dir.Sub("sandbox");
  std::filesystem::create_directories(dir.path() / "sandbox");
  for (const char* bad : {"{\"offsetMs\": -1}", "{\"offsetMs\": \"x\"}", "not json", "{}"}) {
    std::ofstream(dir.path() / "sandbox" / "clock.json") << bad;
    auto sandbox = Sandbox::Start(options);
    ASSERT_FALSE(sandbox.ok()) << bad;
    EXPECT_NE(sandbox.error().message.find("clock.json"), std::string::npos)
        << sandbox.error().message;
  }
}

}  // namespace
}  // namespace ferry::sandbox
