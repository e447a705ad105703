#include "ferry/fault_harness.h"

#include <httplib.h>

#include <cstdlib>

#include "common/json.h"
#include "engine/steps/builtin.h"
#include "engine/steps/lambda_steps.h"
#include "store/sqlite/sqlite_store.h"
#include "support/function_zip.h"

namespace ferry::faults {

bool SandboxChild::Start(const SandboxFlags& flags, std::string* error) {
  std::vector<std::string> args;
  if (flags.quota) args.push_back("--quota");
  for (const auto& f : flags.faults) {
    args.push_back("--fault");
    args.push_back(f);
  }
  if (flags.fault_seed) {
    args.push_back("--fault-seed");
    args.push_back(std::to_string(*flags.fault_seed));
  }
  process_ = test::SandboxProcess::Start("", std::move(args), flags.update_delay);
  if (!process_->ok()) {
    *error = "sandbox did not start:\n" + process_->diagnostics();
    return false;
  }
  return true;
}

int SandboxChild::Faults(const std::string& method, const std::string& body) {
  httplib::Client client(url());
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(10));
  auto send = [&]() {
    if (method == "POST") return client.Post("/_ferry/faults", body, "application/json");
    if (method == "PUT") return client.Put("/_ferry/faults", body, "application/json");
    if (method == "DELETE") return client.Delete("/_ferry/faults");
    return client.Get("/_ferry/faults");
  };
  auto r = send();
  return r ? r->status : 0;
}

Status Rig::Open(const std::string& sandbox_url, const std::string& data_dir, RigOptions options) {
  sandbox_url_ = sandbox_url;
  limiters_ = std::make_unique<aws::RateLimiterRegistry>(clock_);
  FERRY_ASSIGN_OR_RETURN(curl_, aws::CurlTransport::Create());
  provider_ = std::make_unique<delegate::AwsLambdaApiProvider>(
      *curl_, credentials_, clock_, ids_, *limiters_, retry_quota_,
      delegate::WaiterOptions{std::chrono::milliseconds(25), 2000}, options.retry);
  handler_ = std::make_unique<delegate::LambdaTaskHandler>(*provider_);
  store::SqliteOptions sqlite;
  sqlite.data_dir = data_dir;
  FERRY_ASSIGN_OR_RETURN(store_, store::OpenSqliteStore(sqlite, clock_, ids_));
  transport_ = std::make_unique<engine::EmbeddedTransport>(*store_);
  if (steps_.Find(engine::steps::kLambdaDeploy) == nullptr) {
    FERRY_RETURN_IF_ERROR(engine::RegisterBuiltinSteps(steps_));
  }
  engine_ = std::make_unique<engine::Engine>(
      *store_, clock_, steps_,
      engine::EngineOptions{.owner = options.owner,
                            .lease = options.engine_lease,
                            .poll = std::chrono::milliseconds(50)});
  agent_ = std::make_unique<delegate::DelegateAgent>(
      *transport_, clock_,
      delegate::AgentOptions{.delegate_id = options.delegate_id,
                             .lease = options.task_lease,
                             .heartbeat = options.heartbeat,
                             .idle_poll = std::chrono::milliseconds(20)});
  for (const std::string& kind : delegate::LambdaTaskHandler::Kinds()) {
    agent_->Register(kind, *handler_);
  }
  if (options.run_loops) StartLoops();
  return Ok();
}

void Rig::StartLoops() {
  engine_thread_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto advanced = engine_->RunOnce();
      if (!advanced.ok() || *advanced == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
      }
    }
  });
  agent_thread_ = std::jthread([this](std::stop_token stop) { agent_->Run(stop); });
}

void Rig::StopLoops() {
  if (engine_thread_.joinable()) {
    engine_thread_.request_stop();
    engine_thread_.join();
  }
  if (agent_thread_.joinable()) {
    agent_thread_.request_stop();
    agent_thread_.join();
  }
}

delegate::LambdaApi& Rig::lambda() {
  auto api = provider_->For({kRegion, sandbox_url_, ""});
  return **api;
}

Result<store::ExecutionRecord> Rig::WaitTerminal(const std::string& id, Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    FERRY_ASSIGN_OR_RETURN(auto e, store_->executions().Get(id));
    if (store::IsTerminal(e.status) || std::chrono::steady_clock::now() > deadline) return e;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool Rig::WaitFor(const std::string& id,
                  const std::function<bool(const store::ExecutionRecord&)>& pred,
                  Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = store_->executions().Get(id);
    if (e.ok() && pred(*e)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

engine::testing::DeployRequest DeployOf(const std::string& sandbox_url,
                                        const std::vector<std::string>& functions,
                                        const std::string& zip) {
  engine::testing::DeployRequest r;
  r.actor = "fault-test";
  r.target.region = kRegion;
  r.target.endpoint = sandbox_url;
  for (const auto& name : functions) {
    lambda::DesiredFunction d;
    d.function_name = name;
    d.config.runtime = "python3.12";
    d.config.handler = "app.handler";
    d.config.role = kRole;
    d.code.zip_file = zip;
    d.aliases = {"dev"};
    r.functions.push_back(d);
  }
  return r;
}

std::string ZipFor(const std::string& tag) {
  return test::MakeZip(std::string("def handler(event, context):\n    return \"") + tag + "\"\n");
}

std::string Describe(const store::ExecutionRecord& e) {
  return e.id + " " + std::string(store::ExecutionStatusName(e.status)) +
         (e.error ? " error: " + *e.error : "");
}

std::string History(store::Store& store, const std::string& execution_id) {
  std::string out;
  auto steps = store.executions().Steps(execution_id);
  if (steps.ok()) {
    for (const auto& s : *steps) {
      out += "  step " + s.name + " " + std::string(store::StepStatusName(s.status)) + " [" +
             s.state + "]" + (s.error ? " " + *s.error : "") + "\n";
    }
  }
  store::LogQuery q;
  q.execution_id = execution_id;
  auto lines = store.logs().Read(q);
  if (lines.ok()) {
    for (const auto& l : *lines) out += "  | " + l.text + "\n";
  }
  return out;
}

int AwsCli(const std::string& sandbox_url, const std::string& args) {
  std::string cmd =
      "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 "
      "AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_PAGER= "
      "aws --endpoint-url " +
      sandbox_url + " " + args + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

Result<FunctionView> View(delegate::LambdaApi& lambda, const std::string& function) {
  std::vector<std::string> ids;
  FERRY_ASSIGN_OR_RETURN(auto f, lambda.Observe(function, &ids, {}));
  FunctionView view;
  view.exists = f.exists;
  view.latest_sha = f.code_sha256;
  for (const auto& a : f.aliases) view.aliases[a.name] = a.version;
  for (const auto& v : f.versions) view.version_shas[v.version] = v.code_sha256;
  return view;
}

std::vector<std::string> CheckInvariants(Rig& rig, const std::vector<std::string>& executions,
                                         const std::vector<std::string>& functions,
                                         const std::set<store::ExecutionStatus>& allowed) {
  std::vector<std::string> problems;
  // function → the last succeeded execution's record of it.
  std::map<std::string, store::DeploymentRecord> last;
  for (const auto& id : executions) {
    auto e = rig.store().executions().Get(id);
    if (!e.ok()) {
      problems.push_back("cannot read execution " + id + ": " + e.error().message);
      continue;
    }
    if (allowed.count(e->status) == 0) {
      problems.push_back("execution " + Describe(*e) + " ended in an unexpected status\n" +
                         History(rig.store(), id));
    }
    if (e->status != store::ExecutionStatus::kSucceeded) continue;
    store::DeploymentFilter filter;
    filter.execution_id = id;
    auto records = rig.store().deployments().List(filter);
    if (!records.ok()) {
      problems.push_back("cannot list deployments of " + id);
      continue;
    }
    for (const auto& r : *records) {
      if (r.state != store::DeploymentState::kSucceeded) {
        problems.push_back("succeeded execution " + id + " has a " +
                           std::string(store::DeploymentStateName(r.state)) + " record for " +
                           r.function);
      }
      last[r.function] = r;
    }
    for (const auto& f : functions) {
      bool recorded = false;
      for (const auto& r : *records) recorded |= r.function == f;
      if (!recorded) problems.push_back("succeeded execution " + id + " recorded no " + f);
    }
  }
  for (const auto& f : functions) {
    auto view = View(rig.lambda(), f);
    if (!view.ok()) {
      problems.push_back("cannot read " + f + ": " + view.error().message);
      continue;
    }
    auto it = last.find(f);
    if (it == last.end()) {
      if (!view->aliases.empty()) {
        problems.push_back(f + " has aliases although no deployment of it succeeded");
      }
    } else {
      const store::DeploymentRecord& r = it->second;
      auto aliases = ParseJson(r.aliases_json);
      if (!aliases.ok() || !aliases->is_object() || aliases->empty()) {
        problems.push_back("the record of " + f + " in " + r.execution_id + " names no alias");
      } else {
        for (const auto& [alias, target] : aliases->items()) {
          std::string want = target.value("version", "");
          auto at = view->aliases.find(alias);
          std::string have = at == view->aliases.end() ? "<none>" : at->second;
          if (want != r.version || have != want) {
            problems.push_back(f + ":" + alias + " points at " + have + ", the last succeeded " +
                               "execution " + r.execution_id + " recorded " + want +
                               " (record version " + r.version + ")");
          }
        }
        for (const auto& [alias, version] : view->aliases) {
          if (!aliases->contains(alias)) {
            problems.push_back(f + ":" + alias + " -> " + version + " is not recorded");
          }
        }
      }
      auto v = view->version_shas.find(r.version);
      if (v == view->version_shas.end()) {
        problems.push_back(f + " version " + r.version + " (recorded by " + r.execution_id +
                           ") does not exist");
      } else if (v->second != r.code_sha256) {
        problems.push_back(f + " version " + r.version + " holds " + v->second + ", recorded " +
                           r.code_sha256);
      }
    }
    std::map<std::string, std::string> by_sha;
    for (const auto& [version, sha] : view->version_shas) {
      auto [prev, inserted] = by_sha.emplace(sha, version);
      if (!inserted) {
        problems.push_back(f + ": versions " + prev->second + " and " + version +
                           " hold the same code " + sha + " (published twice)");
      }
    }
  }
  return problems;
}

}  // namespace ferry::faults
