// A function that fails to become Active (Lambda's State: Failed after CreateFunction, e.g. a
// subnet without free addresses). `ferry sandbox` always settles a function to Active, so this
// test puts a small HTTP proxy between the delegate and the sandbox that forwards every request
// unchanged (the SigV4 signature covers the Host header, which is kept) and rewrites the
// GetFunction answers for one function to State Failed with a reason. The deployment must end
// rolled_back naming the reason, the function it created deleted, the other function's alias
// restored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "common/json.h"
#include "ferry/fault_harness.h"
#include "store/temp_dir.h"

namespace ferry::faults {
namespace {

using store::ExecutionStatus;
using ::testing::HasSubstr;

constexpr char kReason[] = "Lambda was unable to configure access to your subnet (injected)";

// Forwards to `upstream`; GetFunction of `failing` answers State Failed.
class FailingStateProxy {
 public:
  FailingStateProxy(std::string upstream, std::string failing)
      : upstream_(std::move(upstream)), failing_(std::move(failing)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Forward(req, res);
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~FailingStateProxy() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void Forward(const httplib::Request& req, httplib::Response& res) {
    httplib::Client client(upstream_);
    client.set_read_timeout(std::chrono::seconds(60));
    httplib::Headers headers;
    for (const auto& [key, value] : req.headers) {
      if (key == "Content-Length" || key == "Content-Type" || key == "REMOTE_ADDR" ||
          key == "REMOTE_PORT" || key == "LOCAL_ADDR" || key == "LOCAL_PORT" ||
          key == "Connection") {
        continue;
      }
      headers.emplace(key, value);
    }
    const std::string type = req.get_header_value("Content-Type");
    httplib::Result r = [&] {
      if (req.method == "POST") return client.Post(req.target, headers, req.body, type);
      if (req.method == "PUT") return client.Put(req.target, headers, req.body, type);
      if (req.method == "DELETE") return client.Delete(req.target, headers, req.body, type);
      return client.Get(req.target, headers);
    }();
    if (!r) {
      res.status = 502;
      return;
    }
    res.status = r->status;
    std::string body = r->body;
    // GET /2015-03-31/functions/NAME (no qualifier): GetFunction.
    if (req.method == "GET" && req.path == "/2015-03-31/functions/" + failing_ &&
        r->status == 200) {
      auto json = ParseJson(body);
      if (json.ok() && json->contains("Configuration")) {
        Json& c = (*json)["Configuration"];
        c["State"] = "Failed";
        c["StateReason"] = kReason;
        c["StateReasonCode"] = "SubnetOutOfIPAddresses";
        body = DumpJson(*json);
      }
    }
    for (const auto& [key, value] : r->headers) {
      if (key == "Content-Length" || key == "Transfer-Encoding" || key == "Connection") continue;
      res.set_header(key, value);
    }
    res.set_content(body, r->get_header_value("Content-Type"));
  }

  const std::string upstream_;
  const std::string failing_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(FaultActiveTest, FunctionThatFailsToBecomeActiveRollsBack) {
  if (!std::filesystem::exists(delegate::lambda::fixtures::SandboxBinary())) {
    GTEST_SKIP() << "no ferry binary at " << delegate::lambda::fixtures::SandboxBinary();
  }
  store::testing::TempDir dir;
  SandboxChild sandbox;
  std::string error;
  ASSERT_TRUE(sandbox.Start({}, dir.Sub("sandbox.log"), &error)) << error;
  FailingStateProxy proxy(sandbox.url(), "fnew");
  Rig rig;
  RigOptions options;
  options.heartbeat = std::chrono::milliseconds(200);
  ASSERT_TRUE(rig.Open(proxy.url(), dir.Sub("data"), options).ok());

  auto first = rig.engine().StartDeploy(DeployOf(proxy.url(), {"fa"}, ZipFor("v1")));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto done = rig.WaitTerminal(first->id);
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->status, ExecutionStatus::kSucceeded) << Describe(*done) << "\n"
                                                       << History(rig.store(), first->id);

  auto bad = rig.engine().StartDeploy(DeployOf(proxy.url(), {"fa", "fnew"}, ZipFor("v2")));
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  auto e = rig.WaitTerminal(bad->id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, ExecutionStatus::kRolledBack) << Describe(*e) << "\n"
                                                     << History(rig.store(), bad->id);
  EXPECT_THAT(e->error.value_or(""), HasSubstr("fnew"));
  EXPECT_THAT(e->error.value_or(""), HasSubstr("failed to become Active"));
  EXPECT_THAT(History(rig.store(), bad->id), HasSubstr("unable to configure access"));
  auto fa = View(rig.lambda(), "fa");
  ASSERT_TRUE(fa.ok());
  EXPECT_EQ(fa->aliases, (std::map<std::string, std::string>{{"dev", "1"}}));
  auto fnew = View(rig.lambda(), "fnew");
  ASSERT_TRUE(fnew.ok());
  EXPECT_FALSE(fnew->exists) << "the function the deployment created is deleted";
}

}  // namespace
}  // namespace ferry::faults
