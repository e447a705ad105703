// A real ApiServer on 127.0.0.1 (port 0) over a real SQLite store in a temp dir, a real engine
// and DeployService, and an httplib client holding a valid token. Shared by the api suites.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>

#include "api/deploy_service.h"
#include "api/pipeline_service.h"
#include "api/server.h"
#include "common/change_signal.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "engine/embedded_transport.h"
#include "engine/engine.h"
#include "notify/notifier.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace ferry::api::testing {

struct Reply {
  int status = 0;
  std::string body;
  Json json;  // null when the body is not JSON
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};

// The reply of an httplib request (a failed request is a test failure and an empty Reply).
Reply ToReply(const httplib::Result& result);

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (again) with these options; port is always 0.
  void StartServer(ApiServerOptions options = {});

  Reply Get(const std::string& path, const httplib::Headers& headers = {});
  Reply Post(const std::string& path, const std::string& body,
             const httplib::Headers& headers = {});
  Reply Put(const std::string& path, const std::string& body, const httplib::Headers& headers = {});
  Reply Delete(const std::string& path, const httplib::Headers& headers = {});
  // Without the token.
  Reply GetAnonymous(const std::string& path, const httplib::Headers& headers = {});

  // An execution created straight in the store, with two steps.
  store::ExecutionRecord CreateExecution(const std::string& app = "shop",
                                         const std::string& service = "orders",
                                         const std::string& env = "dev");
  // Moves an execution queued -> running -> `to`.
  void Finish(const std::string& id, store::ExecutionStatus to);

  // Applies a small valid configuration (cloud provider, application shop, environment dev,
  // workflow basic, service orders with one function) through POST /api/v1/apply.
  void ApplySampleConfig();
  static std::string SampleConfigYaml();

  std::unique_ptr<test::TempDir> dir_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<store::Store> store_;
  engine::StepRegistry steps_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<notify::Notifier> notifier_;  // freeze refusals go to the outbox
  std::unique_ptr<DeployService> deploys_;
  std::unique_ptr<PipelineService> pipelines_;
  // The remote delegates' side, as ferry server wires it.
  std::unique_ptr<engine::EmbeddedTransport> delegate_tasks_;
  std::unique_ptr<store::DelegateRegistry> delegates_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string token_;
  std::atomic<int> wakes_{0};
  ChangeSignal changes_;  // what the engine's Runner notifies in ferry server
  SecretKeyring secret_keys_;  // none unless a test loads one before StartServer
  std::atomic<bool> ready_{true};
};

}  // namespace ferry::api::testing
