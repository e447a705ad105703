// LambdaService driven directly (no HTTP) with a FakeClock: state transitions, guards, aliases,
// and Invoke through real python workers with the metrics it records.
#include "sandbox/lambda/lambda_service.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/crypto.h"
#include "common/json.h"
#include "common/zip_archive.h"
#include "sandbox/runtime/process_invoker.h"
#include "support/temp_dir.h"

namespace ferry::sandbox::lambda {
namespace {

class RecordingSink : public MetricSink {
 public:
  void Record(const MetricDatum& d) override {
    std::lock_guard lock(mu);
    data.push_back(d);
  }
  std::mutex mu;
  std::vector<MetricDatum> data;
};

std::string PythonZip(const std::string& marker) {
  std::string code = "def handler(event, context):\n    return {'marker': '" + marker + "'}\n";
  auto zip = WriteZip({{"app.py", code}});
  EXPECT_TRUE(zip.ok()) << zip.error().message;
  return zip.ok() ? *zip : std::string();
}

class LambdaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime::ProcessInvokerOptions options;
    options.work_dir = dir_.path() / "work";
    invoker_ = std::move(runtime::ProcessInvoker::Create(options)).value();
    LambdaOptions lambda_options;
    lambda_options.update_delay = std::chrono::seconds(1);
    service_ = std::move(LambdaService::Create(lambda_options, clock_, ids_, &sink_, nullptr,
                                               invoker_.get()))
                   .value();
    caller_ = {"000000000000", "test", "us-east-1", "arn:aws:iam::000000000000:root"};
  }
  void TearDown() override {
    service_.reset();
    invoker_.reset();
  }

  Response Call(const std::string& method, const std::string& path, const Json& body = nullptr,
                const std::string& query = "") {
    Request r;
    r.method = method;
    r.raw_path = r.path = path;
    r.raw_query = query;
    for (const auto& part : std::vector<std::string>{query}) {
      auto eq = part.find('=');
      if (eq != std::string::npos) r.query.emplace(part.substr(0, eq), part.substr(eq + 1));
    }
    if (!body.is_null()) r.body = body.dump();
    return service_->Handle(r, caller_);
  }
  static Json Body(const Response& r) { return Json::parse(r.body); }
  static std::string ErrorType(const Response& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "x-amzn-ErrorType") return v;
    }
    return "";
  }
  Json CreateBody(const std::string& name, const std::string& marker) {
    return {{"FunctionName", name},
            {"Runtime", "python3.12"},
            {"Handler", "app.handler"},
            {"Role", "arn:aws:iam::000000000000:role/r"},
            {"Code", {{"ZipFile", Base64Encode(PythonZip(marker))}}}};
  }

  FakeClock clock_;
  SequentialIdGenerator ids_{3};
  RecordingSink sink_;
  test::TempDir dir_;
  std::unique_ptr<runtime::ProcessInvoker> invoker_;
  std::unique_ptr<LambdaService> service_;
  Caller caller_;
};

// Issue 18, item 5: a handler's children that detach (double fork + setsid) and ignore SIGTERM
// do not survive its timeout; and a handler past its MemorySize is killed, as Lambda does.
Json CreateWithCode(const std::string& name, const std::string& code, int timeout, int memory) {
  auto zip = WriteZip({{"app.py", code}});
  EXPECT_TRUE(zip.ok());
  return {{"FunctionName", name},
          {"Runtime", "python3.12"},
          {"Handler", "app.handler"},
          {"Role", "arn:aws:iam::000000000000:role/r"},
          {"Timeout", timeout},
          {"MemorySize", memory},
          {"Code", {{"ZipFile", Base64Encode(zip.ok() ? *zip : "")}}}};
}

bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST_F(LambdaServiceTest, DetachedChildrenOfATimedOutHandlerAreKilled) {
  const std::string code =
      "import os, signal, time\n"
      "def handler(event, context):\n"
      "    if os.fork() == 0:\n"
      "        os.setsid()\n"
      "        if os.fork() > 0:\n"
      "            os._exit(0)\n"
      "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])\n"
      "        with open(event['pidfile'] + '.tmp', 'w') as f:\n"
      "            f.write(str(os.getpid()))\n"
      "        os.rename(event['pidfile'] + '.tmp', event['pidfile'])\n"
      "        while True:\n"
      "            time.sleep(1)\n"
      "    while not os.path.exists(event['pidfile']):\n"
      "        time.sleep(0.01)\n"
      "    time.sleep(60)\n";
  ASSERT_EQ(Call("POST", "/2015-03-31/functions", CreateWithCode("detach", code, 5, 128)).status,
            201);
  clock_.Advance(std::chrono::seconds(1));
  const std::string pidfile = (dir_.path() / "grandchild.pid").string();
  Response r = Call("POST", "/2015-03-31/functions/detach/invocations", Json{{"pidfile", pidfile}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Task timed out"), std::string::npos) << r.body;
  std::ifstream in(pidfile);
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0) << "the handler wrote its detached grandchild's pid";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!ProcessGone(grandchild) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(ProcessGone(grandchild)) << "pid " << grandchild << " survived the timeout";
  if (!ProcessGone(grandchild)) ::kill(grandchild, SIGKILL);
}

TEST_F(LambdaServiceTest, AHandlerPastItsMemorySizeIsKilled) {
  const std::string code =
      "import time\n"
      "def handler(event, context):\n"
      "    data = b'x' * (300 * 1024 * 1024)\n"
      "    time.sleep(20)\n"
      "    return len(data)\n";
  ASSERT_EQ(Call("POST", "/2015-03-31/functions", CreateWithCode("hungry", code, 30, 128)).status,
            201);
  clock_.Advance(std::chrono::seconds(1));
  Response r = Call("POST", "/2015-03-31/functions/hungry/invocations", Json::object());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("Runtime.ExitError"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("signal: killed"), std::string::npos) << r.body;
}

TEST_F(LambdaServiceTest, SettlesAfterTheDelayAndGuardsChanges) {
  Response created = Call("POST", "/2015-03-31/functions", CreateBody("f", "v1"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Body(created)["State"], "Pending");
  std::string zip = PythonZip("v1");
  EXPECT_EQ(Body(created)["CodeSha256"], Base64Encode(Sha256(zip)));

  Response busy = Call("PUT", "/2015-03-31/functions/f/configuration", Json{{"Timeout", 5}});
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(ErrorType(busy), "ResourceConflictException");
  Response invoke_pending = Call("POST", "/2015-03-31/functions/f/invocations", Json::object());
  EXPECT_EQ(invoke_pending.status, 409);

  clock_.Advance(std::chrono::seconds(1));
  Json active = Body(Call("GET", "/2015-03-31/functions/f/configuration"));
  EXPECT_EQ(active["State"], "Active");
  EXPECT_EQ(active["LastUpdateStatus"], "Successful");

  Response stale = Call("PUT", "/2015-03-31/functions/f/configuration",
                        Json{{"Timeout", 5}, {"RevisionId", "old"}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(ErrorType(stale), "PreconditionFailedException");
  Response updated = Call("PUT", "/2015-03-31/functions/f/configuration",
                          Json{{"Timeout", 5}, {"RevisionId", active["RevisionId"]}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["LastUpdateStatus"], "InProgress");
  EXPECT_EQ(Call("POST", "/2015-03-31/functions/f/versions", Json::object()).status, 409);
  clock_.Advance(std::chrono::seconds(1));
  Json v1 = Body(Call("POST", "/2015-03-31/functions/f/versions", Json::object()));
  EXPECT_EQ(v1["Version"], "1");
  EXPECT_EQ(Body(Call("POST", "/2015-03-31/functions/f/versions", Json::object()))["Version"], "1");

  Response invalid =
      Call("POST", "/2015-03-31/functions", Json{{"FunctionName", "bad name"}, {"Role", "x"}});
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(ErrorType(invalid), "ValidationException");
  Response not_json = [&] {
    Request r;
    r.method = "POST";
    r.raw_path = r.path = "/2015-03-31/functions/f/invocations";
    r.body = "{not json";
    return service_->Handle(r, caller_);
  }();
  EXPECT_EQ(ErrorType(not_json), "InvalidRequestContentException");
}

TEST_F(LambdaServiceTest, WeightedAliasInvokesBothVersionsAndRecordsMetrics) {
  ASSERT_EQ(Call("POST", "/2015-03-31/functions", CreateBody("w", "v1")).status, 201);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_EQ(Call("POST", "/2015-03-31/functions/w/versions", Json::object()).status, 201);
  Json code = {{"ZipFile", Base64Encode(PythonZip("v2"))}};
  ASSERT_EQ(Call("PUT", "/2015-03-31/functions/w/code", code).status, 200);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_EQ(Call("POST", "/2015-03-31/functions/w/versions", Json::object()).status, 201);

  Json bad_alias = {{"Name", "live"},
                    {"FunctionVersion", "1"},
                    {"RoutingConfig", {{"AdditionalVersionWeights", {{"1", 0.5}}}}}};
  EXPECT_EQ(Call("POST", "/2015-03-31/functions/w/aliases", bad_alias).status, 400);
  bad_alias["FunctionVersion"] = "$LATEST";
  bad_alias["RoutingConfig"]["AdditionalVersionWeights"] = {{"2", 0.5}};
  EXPECT_EQ(Call("POST", "/2015-03-31/functions/w/aliases", bad_alias).status, 400);
  Json alias = {{"Name", "live"},
                {"FunctionVersion", "1"},
                {"RoutingConfig", {{"AdditionalVersionWeights", {{"2", 0.5}}}}}};
  ASSERT_EQ(Call("POST", "/2015-03-31/functions/w/aliases", alias).status, 201);

  std::map<std::string, int> executed;
  for (int i = 0; i < 40; ++i) {
    Response r =
        Call("POST", "/2015-03-31/functions/w/invocations", Json::object(), "Qualifier=live");
    ASSERT_EQ(r.status, 200) << r.body;
    std::string version;
    for (const auto& [k, v] : r.headers) {
      if (k == "X-Amz-Executed-Version") version = v;
    }
    ++executed[version];
    EXPECT_EQ(Body(r)["marker"], version == "1" ? "v1" : "v2");
  }
  EXPECT_GT(executed["1"], 5);
  EXPECT_GT(executed["2"], 5);
  EXPECT_EQ(Call("DELETE", "/2015-03-31/functions/w", nullptr, "Qualifier=2").status, 409);

  std::lock_guard lock(sink_.mu);
  int with_executed_version = 0, by_function = 0;
  for (const MetricDatum& d : sink_.data) {
    EXPECT_EQ(d.ns, "AWS/Lambda");
    if (d.name != "Invocations") continue;
    if (d.dimensions.size() == 1) ++by_function;
    if (d.dimensions.size() == 3) {
      EXPECT_EQ(d.dimensions[1], (std::pair<std::string, std::string>{"Resource", "w:live"}));
      EXPECT_EQ(d.dimensions[2].first, "ExecutedVersion");
      ++with_executed_version;
    }
  }
  EXPECT_EQ(by_function, 40);
  EXPECT_EQ(with_executed_version, 40);
}

}  // namespace
}  // namespace ferry::sandbox::lambda

namespace ferry::sandbox::lambda {
namespace {

// --data: every answered change is on disk (a service started on the same directory has it),
// also when many changes arrive at once and share one write of the table (group commit).
TEST_F(LambdaServiceTest, EveryAnsweredChangeIsDurableWhenManyArriveAtOnce) {
  test::TempDir data;
  LambdaOptions options;
  options.update_delay = std::chrono::milliseconds(0);
  options.data_dir = data.path();
  auto durable = LambdaService::Create(options, clock_, ids_, &sink_, nullptr, invoker_.get());
  ASSERT_TRUE(durable.ok()) << durable.error().message;
  service_ = std::move(durable).value();
  constexpr int kFunctions = 40;
  for (int i = 0; i < kFunctions; ++i) {
    ASSERT_EQ(
        Call("POST", "/2015-03-31/functions", CreateBody("fn-" + std::to_string(i), "m")).status,
        201);
  }
  // Each of 8 threads publishes a version of its functions and points an alias at it.
  std::vector<std::thread> threads;
  std::atomic<int> answered{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kFunctions; i += 8) {
        const std::string base = "/2015-03-31/functions/fn-" + std::to_string(i);
        Response published = Call("POST", base + "/versions", Json::object());
        Response alias =
            Call("POST", base + "/aliases", {{"Name", "live"}, {"FunctionVersion", "1"}});
        if (published.status == 201 && alias.status == 201) {
          ++answered;
        } else {
          ADD_FAILURE() << published.status << " " << published.body << " / " << alias.status << " "
                        << alias.body;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(answered.load(), kFunctions);

  // A second service on the same directory (what a restarted sandbox loads) has all of them.
  service_.reset();
  auto reloaded = LambdaService::Create(options, clock_, ids_, &sink_, nullptr, invoker_.get());
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  service_ = std::move(reloaded).value();
  for (int i = 0; i < kFunctions; ++i) {
    Response alias = Call("GET", "/2015-03-31/functions/fn-" + std::to_string(i) + "/aliases/live");
    ASSERT_EQ(alias.status, 200) << "fn-" << i << ": " << alias.body;
    EXPECT_EQ(Body(alias)["FunctionVersion"], "1");
  }
}

}  // namespace
}  // namespace ferry::sandbox::lambda
