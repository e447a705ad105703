#include "server_runtime.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "api/deploy_config.h"
#include "api/pipeline_service.h"
#include "api/server.h"
#include "api/trigger_target.h"
#include "api/service_guard.h"
#include "aws/credentials_chain.h"
#include "aws/curl_transport.h"
#include "aws/rate_limiter.h"
#include "aws/retry.h"
#include "common/change_signal.h"
#include "common/http_client.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/thread_name.h"
#include "common/time.h"
#include "data_dir_lock.h"
#include "delegate/lambda/aws_lambda_provider.h"
#include "delegate/lambda/lambda_tasks.h"
#include "delegate/protocol/agent.h"
#include "engine/embedded_transport.h"
#include "engine/engine.h"
#include "engine/runner.h"
#include "engine/steps/builtin.h"
#include "engine/steps/pipeline_steps.h"
#include "model/entities.h"
#include "notify/delivery.h"
#include "notify/execution_events.h"
#include "notify/notifier.h"
#include "notify/outbox_sender.h"
#include "store/checks.h"
#include "store_choice.h"
#include "triggers/s3_object_lister.h"
#include "triggers/trigger_engine.h"
#include "triggers/trigger_target.h"

namespace ferry::app {
namespace {

// Credentials given on purpose in the clear (the sandbox's public test/test). Unlike
// aws::StaticProvider it does not register them with the secret masker: masking "test" would
// mangle every log line that contains the word.
class PublicCredentialsProvider final : public aws::CredentialsProvider {
 public:
  explicit PublicCredentialsProvider(aws::Credentials creds) : creds_(std::move(creds)) {}
  Result<aws::Credentials> Resolve() override { return creds_; }

 private:
  const aws::Credentials creds_;
};

// The embedded delegate's transport, recording it in the delegate registry (at most every
// kEvery) so that GET /api/v1/delegates lists it beside the remote ones.
class SightedTransport final : public delegate::TaskTransport {
 public:
  static constexpr Duration kEvery = std::chrono::seconds(10);

  SightedTransport(delegate::TaskTransport& inner, store::DelegateRegistry& registry, Clock& clock,
                   store::DelegateSighting sighting)
      : inner_(inner), registry_(registry), clock_(clock), sighting_(std::move(sighting)) {}

  Result<std::optional<delegate::TaskAssignment>> ClaimNext(
      const std::string& delegate_id, const std::vector<std::string>& selectors,
      Duration lease) override {
    bool due = false;
    {
      std::lock_guard lock(mu_);
      const auto now = clock_.SteadyNow();
      if (!last_ || now - *last_ >= kEvery) {
        last_ = now;
        due = true;
      }
    }
    if (due) {
      auto seen = registry_.Seen(sighting_);
      if (!seen.ok())
        log::Warn("cannot record the embedded delegate", {{"reason", seen.error().message}});
    }
    return inner_.ClaimNext(delegate_id, selectors, lease);
  }
  Status Heartbeat(const delegate::TaskAssignment& a, Duration extension) override {
    return inner_.Heartbeat(a, extension);
  }
  Status AppendLog(const delegate::TaskAssignment& a,
                   const std::vector<delegate::TaskLogLine>& lines) override {
    return inner_.AppendLog(a, lines);
  }
  Status Complete(const delegate::TaskAssignment& a, const delegate::TaskResult& r) override {
    return inner_.Complete(a, r);
  }

 private:
  delegate::TaskTransport& inner_;
  store::DelegateRegistry& registry_;
  Clock& clock_;
  const store::DelegateSighting sighting_;
  std::mutex mu_;
  std::optional<std::chrono::steady_clock::time_point> last_;  // guarded by mu_
};

// Lease owner prefixes of this binary's engines and embedded delegates (see EngineOwner).
constexpr std::string_view kEngineOwnerPrefix = "server-";
constexpr std::string_view kEmbeddedDelegatePrefix = "embedded-server-";

Result<Duration> ParseLeaseFlag(const std::string& flag, const std::string& text) {
  auto d = ParseDuration(Trim(text));
  if (!d) {
    return InvalidArgument(flag + " " + QuoteForMessage(text) +
                           " is not a duration such as 10s, 500ms or 1m");
  }
  if (*d <= Duration::zero() || *d > std::chrono::hours(24)) {
    return InvalidArgument(flag + " " + QuoteForMessage(text) + " must be between 1ms and 24h");
  }
  return *d;
}

std::string EngineOwner(IdGenerator& ids) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string("server-") + (host[0] != '\0' ? host : "local") + "-" +
         std::to_string(getpid()) + "-" + ids.NewId();
}

}  // namespace

void AddLeaseFlags(CLI::App& cmd, LeaseFlags& flags) {
  cmd.add_option("--lease", flags.lease,
                 "Execution and task lease: how long another process waits before taking over "
                 "the work of a server that died (a restart on the same --data takes over at once)")
      ->capture_default_str();
  cmd.add_option("--heartbeat", flags.heartbeat,
                 "How often the embedded delegate renews its task leases (shorter than --lease)")
      ->capture_default_str();
  cmd.add_option("--delegate-selectors", flags.selectors,
                 "Comma-separated selectors of the embedded delegate: it runs tasks whose "
                 "required selectors it all carries (default: none, so only tasks without any)");
}

Status ApplyNotificationFlags(const std::string& timeout, const std::string& retry,
                              ServerRuntimeOptions& options) {
  auto parse = [](const char* flag, const std::string& text, Duration min,
                  Duration max) -> Result<Duration> {
    auto d = ParseDuration(text);
    if (!d || *d < min || *d > max) {
      return InvalidArgument(std::string(flag) + " " + QuoteForMessage(text, 40) +
                             " must be a duration such as 10s within its range");
    }
    return std::chrono::duration_cast<Duration>(*d);
  };
  FERRY_ASSIGN_OR_RETURN(options.notification_timeout,
                         parse("--notification-timeout", timeout, std::chrono::seconds(1),
                               std::chrono::minutes(5)));
  FERRY_ASSIGN_OR_RETURN(options.notification_backoff,
                         parse("--notification-retry", retry, std::chrono::milliseconds(100),
                               std::chrono::hours(1)));
  const std::string& url = options.public_url;
  if (!url.empty() && ((!url.starts_with("http://") && !url.starts_with("https://")) ||
                       url.find_first_of(" \t\r\n") != std::string::npos)) {
    return InvalidArgument("--public-url must be an http:// or https:// URL");
  }
  while (options.public_url.ends_with("/")) options.public_url.pop_back();
  return Ok();
}

Status ApplyLeaseFlags(const std::string& lease, const std::string& heartbeat,
                       const std::string& selectors, ServerRuntimeOptions& options) {
  FERRY_ASSIGN_OR_RETURN(options.lease, ParseLeaseFlag("--lease", lease));
  FERRY_ASSIGN_OR_RETURN(options.heartbeat, ParseLeaseFlag("--heartbeat", heartbeat));
  if (options.heartbeat >= options.lease) {
    return InvalidArgument("--heartbeat " + heartbeat + " must be shorter than --lease " + lease +
                           " (a delegate heartbeats several times per lease)");
  }
  options.delegate_selectors.clear();
  if (!Trim(selectors).empty()) {
    std::vector<std::string> names;
    for (const std::string& name : Split(selectors, ',')) names.emplace_back(Trim(name));
    for (const std::string& name : names) {
      if (name.empty()) {
        return InvalidArgument("--delegate-selectors " + QuoteForMessage(selectors) +
                               " has an empty selector; pass names separated by commas");
      }
    }
    auto normalized = store::NormalizeNames(names, "--delegate-selectors selector");
    if (!normalized.ok()) return normalized.error();
    options.delegate_selectors = std::move(*normalized);
  }
  return Ok();
}

// Declaration order is construction order; members are destroyed in reverse, after Stop().
struct ServerRuntime::Parts {
  explicit Parts(Clock& c) : clock(c) {}
  ServerRuntimeOptions options;
  std::shared_ptr<DataDirLock> lock;  // destroyed last: held until everything has stopped
  Clock& clock;
  RandomIdGenerator ids{SystemClock::Instance()};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::DelegateRegistry> delegates;

  std::unique_ptr<aws::CurlTransport> http;
  std::unique_ptr<aws::CredentialsProvider> credentials;
  aws::RateLimiterRegistry limiters{SystemClock::Instance()};
  aws::RetryQuota retry_quota;
  std::unique_ptr<delegate::AwsLambdaApiProvider> lambda_apis;
  std::unique_ptr<delegate::LambdaTaskHandler> lambda_tasks;

  api::SecretKeyring secret_keys;  // `source: ferry` values
  ChangeSignal changes;  // notified after engine rounds that advanced executions (API waits)
  engine::StepRegistry steps;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<engine::Runner> runner;
  std::unique_ptr<engine::EmbeddedTransport> transport;
  std::unique_ptr<SightedTransport> embedded_transport;
  std::unique_ptr<delegate::DelegateAgent> agent;
  std::jthread agent_thread;

  std::unique_ptr<http::Client> notify_http;
  std::unique_ptr<notify::NetworkDelivery> notify_delivery;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<notify::OutboxSender> notify_sender;

  std::unique_ptr<api::DeployService> deploys;
  std::unique_ptr<api::PipelineService> pipelines;
  // The trigger engine: S3 listed with this process's AWS plumbing, workflows started through
  // the DeployService, pipelines through the PipelineService.
  std::unique_ptr<triggers::S3ObjectLister> trigger_lister;
  std::unique_ptr<api::WorkflowTriggerTarget> workflow_target;
  std::unique_ptr<triggers::PipelineTargetSeam> pipeline_target;
  std::unique_ptr<triggers::TargetByKind> trigger_target;
  std::unique_ptr<triggers::TriggerEngine> triggers;
  std::jthread trigger_thread;
  std::unique_ptr<api::ServiceGuard> guard;  // periodic Service Guard and drift checks
  std::jthread guard_thread;
  std::unique_ptr<api::ApiServer> api;

  std::mutex stop_mu;
  bool stopped = false;  // guarded by stop_mu

  void Wake() {
    if (runner) runner->Wake();
  }
  // The engine advanced executions and may have enqueued tasks: claim them now, not at the poll.
  // Remote delegates' held claims wait on `changes`, so they are woken too.
  void WakeDelegate() {
    if (agent) agent->Wake();
    changes.Notify();
  }
};

Result<std::unique_ptr<ServerRuntime>> ServerRuntime::Start(const ServerRuntimeOptions& options) {
  auto parts = std::make_unique<Parts>(options.clock != nullptr ? *options.clock
                                                                  : SystemClock::Instance());
  Parts& p = *parts;
  p.options = options;

  if (options.lease <= Duration::zero() || options.heartbeat <= Duration::zero() ||
      options.heartbeat >= options.lease) {
    return InvalidArgument("the delegate heartbeat must be positive and shorter than the lease");
  }
  const StoreChoice choice{.data_dir = options.data_dir, .store_url = options.store_url};
  FERRY_RETURN_IF_ERROR(CheckStoreUrl(options.store_url));
  const bool shared_store = !options.store_url.empty();
  if (shared_store) {
    // PostgreSQL: other servers may share the database; nothing here is exclusive.
  } else if (options.held_lock) {
    p.lock = options.held_lock;
  } else {
    FERRY_ASSIGN_OR_RETURN(p.lock, DataDirLock::Acquire(options.data_dir));
  }

  FERRY_ASSIGN_OR_RETURN(p.store, OpenChosenStore(choice, p.clock, p.ids));
  FERRY_ASSIGN_OR_RETURN(p.delegates, OpenChosenDelegateRegistry(choice, *p.store));
  if (!shared_store) {
    // We hold the directory's lock, so every earlier server on it is gone: its leases are
    // abandoned and expire now instead of after the lease. On a shared PostgreSQL store the
    // holder may be another live replica, so leases there expire only on their own.
    FERRY_ASSIGN_OR_RETURN(int executions, p.store->executions().ExpireLeases(kEngineOwnerPrefix));
    FERRY_ASSIGN_OR_RETURN(int tasks, p.store->tasks().ExpireLeases(kEmbeddedDelegatePrefix));
    if (executions > 0 || tasks > 0) {
      log::Info("resumed " + std::to_string(executions) + " executions and " +
                    std::to_string(tasks) + " tasks left by a previous server",
                {{"data", options.data_dir}});
    }
  }

  FERRY_ASSIGN_OR_RETURN(p.secret_keys,
                         api::SecretKeyring::Load(options.secret_key, options.previous_secret_key));
  FERRY_ASSIGN_OR_RETURN(p.http, aws::CurlTransport::Create());
  if (options.static_credentials) {
    p.credentials = std::make_unique<PublicCredentialsProvider>(*options.static_credentials);
  } else {
    aws::CredentialsContext ctx;
    ctx.transport = p.http.get();
    ctx.clock = &p.clock;
    ctx.region = options.default_region;
    p.credentials = aws::DefaultCredentialsChain(ctx);
  }
  // The embedded delegate reads secrets (a keys-mode connection's secret access key, the
  // secrets environment variables use) through the server's store.
  api::SecretPolicy policy = options.secrets;
  if (policy.file_dir.empty()) {
    policy.file_dir = (std::filesystem::path(options.data_dir) / "secrets").string();
    std::error_code ec;
    if (std::filesystem::create_directories(policy.file_dir, ec)) {
      std::filesystem::permissions(policy.file_dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    }
  }
  // aws-secrets-manager and aws-ssm-parameter secrets are read through the delegate's AWS layer
  // (a connection in mode keys whose key is itself such a secret is followed once, no further).
  SecretResolver secrets = [&p, policy](std::string_view name) -> Result<std::string> {
    FERRY_ASSIGN_OR_RETURN(auto aws_secret, api::deploy::AwsSecretOf(p.store->entities(), name,
                                                                     p.options.default_region));
    if (!aws_secret) {
      return api::deploy::ResolveSecret(p.store->entities(), name, policy,
                                        {&p.store->secret_values(), &p.secret_keys});
    }
    static thread_local int depth = 0;
    if (depth > 1) {
      return Error{ErrorCode::kFailedPrecondition,
                   "secret " + QuoteForMessage(std::string(name)) +
                       ": reading it needs a connection whose key is itself read from AWS, more "
                       "than one level deep; give that connection's key another source"};
    }
    ++depth;
    auto value = p.lambda_apis->ReadAwsSecret(*aws_secret);
    --depth;
    return value;
  };
  p.lambda_apis = std::make_unique<delegate::AwsLambdaApiProvider>(
      *p.http, *p.credentials, p.clock, p.ids, p.limiters, p.retry_quota,
      delegate::WaiterOptions{options.waiter_delay, 900}, aws::RetryOptions{}, secrets);
  delegate::LambdaTaskOptions task_options;
  task_options.default_concurrency = static_cast<size_t>(std::max(1, options.max_concurrent_tasks));
  task_options.secrets = secrets;
  task_options.clock = &p.clock;
  p.lambda_tasks = std::make_unique<delegate::LambdaTaskHandler>(*p.lambda_apis, task_options);

  // Notifications: events go to the store's outbox (Notifier) on the thread that has them; the
  // sender's own thread delivers them, so no receiver can slow an execution.
  FERRY_ASSIGN_OR_RETURN(p.notify_http, http::Client::Create());
  p.notify_delivery = std::make_unique<notify::NetworkDelivery>(
      *p.notify_http, secrets, p.clock,
      notify::NetworkDeliveryOptions{.timeout = options.notification_timeout});
  notify::OutboxSenderOptions sender_options;
  sender_options.owner = "notify-" + EngineOwner(p.ids);
  sender_options.lease = std::max<Duration>(std::chrono::seconds(60),
                                            options.notification_timeout * 3);
  sender_options.first_backoff = options.notification_backoff;
  sender_options.max_attempts = options.notification_attempts;
  p.notify_sender = std::make_unique<notify::OutboxSender>(*p.store, *p.notify_delivery, p.clock,
                                                           p.ids, sender_options);
  p.notifier = std::make_unique<notify::Notifier>(
      *p.store, notify::NotifierOptions{.base_url = options.public_url,
                                        .wake_sender = [&p] { p.notify_sender->Wake(); }});

  engine::EngineOptions engine_options;
  engine_options.owner = EngineOwner(p.ids);
  engine_options.on_execution_changed = [&p](const store::ExecutionRecord& e) {
    auto events = notify::ExecutionEvents(*p.store, e, p.clock.Now());
    if (!events.ok()) {
      log::Warn("notifications of an execution could not be read",
                {{"execution", e.id}, {"error", events.error().message}});
      return;
    }
    for (auto& event : *events) p.notifier->PublishLogged(std::move(event));
  };
  engine_options.lease = options.lease;
  // A pipeline stage's execution ended: its pipeline execution advances now; a pipeline ended:
  // its observers hear of it.
  engine_options.on_ended = [&p](const store::ExecutionRecord& e) {
    if (p.pipelines) p.pipelines->ExecutionEnded(e);
  };
  FERRY_RETURN_IF_ERROR(engine::RegisterBuiltinSteps(p.steps));
  p.engine = std::make_unique<engine::Engine>(*p.store, p.clock, p.steps, engine_options);
  engine::RunnerOptions runner_options;
  runner_options.on_advanced = [&p] {
    p.WakeDelegate();
    p.changes.Notify();  // long-polls and log streams of the API read the store again now
  };
  p.runner = std::make_unique<engine::Runner>(*p.engine, p.clock, runner_options);

  p.transport = std::make_unique<engine::EmbeddedTransport>(*p.store, [&p] {
    p.Wake();
    p.changes.Notify();  // a plan (a task of no execution) is waited for through the API
  });
  delegate::AgentOptions agent_options;
  agent_options.delegate_id = "embedded-" + engine_options.owner;
  agent_options.max_concurrent_tasks =
      static_cast<size_t>(std::max(1, options.max_concurrent_tasks));
  agent_options.selectors = options.delegate_selectors;
  agent_options.lease = options.lease;
  agent_options.heartbeat = options.heartbeat;
  // Only a fallback: this process's engine wakes the agent whenever a round advanced an
  // execution (RunnerOptions::on_advanced), and the data directory's lock keeps every other
  // server out, so the poll only finds tasks whose lease expired. Each worker's poll is a store
  // write transaction: 1 s keeps an idle server at 8 claims/s instead of 40.
  agent_options.idle_poll = std::chrono::seconds(1);
  if (options.embedded_delegate) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    p.embedded_transport = std::make_unique<SightedTransport>(
        *p.transport, *p.delegates, p.clock,
        store::DelegateSighting{std::string("embedded@") + (host[0] != '\0' ? host : "local"),
                                agent_options.delegate_id, agent_options.selectors,
                                options.version});
    p.agent =
        std::make_unique<delegate::DelegateAgent>(*p.embedded_transport, p.clock, agent_options);
    for (const std::string& kind : delegate::LambdaTaskHandler::Kinds()) {
      p.agent->Register(kind, *p.lambda_tasks);
    }
  }

  api::DeployServiceOptions deploy_options;
  deploy_options.default_region = options.default_region;
  deploy_options.wake_engine = [&p] { p.Wake(); };
  deploy_options.wake_delegate = [&p] { p.WakeDelegate(); };
  deploy_options.secret_keys = &p.secret_keys;
  deploy_options.secrets_read_here = options.embedded_delegate;
  deploy_options.secrets = policy;
  deploy_options.notifier = p.notifier.get();
  p.deploys = std::make_unique<api::DeployService>(*p.store, *p.engine, p.clock, deploy_options);
  p.pipelines = std::make_unique<api::PipelineService>(
      *p.store, *p.engine, *p.deploys, p.clock,
      api::PipelineServiceOptions{.wake_engine = [&p] { p.Wake(); }});
  // Before the runner starts: the registry is read-only once the engine runs.
  FERRY_RETURN_IF_ERROR(p.steps.Register(engine::steps::kPipelineStages,
                                         engine::NewPipelineStagesStep(*p.pipelines)));

  p.trigger_lister = std::make_unique<triggers::S3ObjectLister>(
      *p.store,
      aws::ServiceDeps{*p.http, *p.credentials, p.clock, p.ids, p.limiters, p.retry_quota},
      options.default_region);
  p.workflow_target = std::make_unique<api::WorkflowTriggerTarget>(*p.store, *p.deploys);
  p.pipeline_target = std::make_unique<triggers::PipelineTargetSeam>(
      [&p](const triggers::TriggerFire& fire) -> Result<std::string> {
        api::PipelineRunInput in;
        in.application = fire.trigger.application;
        in.pipeline = fire.trigger.pipeline.value_or("");
        in.artifact_id = fire.artifact_id;
        in.variables = fire.variables;
        in.actor = "trigger:" + fire.trigger.application + "/" + fire.trigger.name;
        in.cause = "trigger:" + fire.trigger.name;
        in.idempotency_key = fire.idempotency_key;
        FERRY_ASSIGN_OR_RETURN(auto run, p.pipelines->Start(in));
        return run.id;
      });
  p.trigger_target =
      std::make_unique<triggers::TargetByKind>(*p.workflow_target, *p.pipeline_target);
  triggers::TriggerEngineOptions trigger_options;
  trigger_options.owner = engine_options.owner;
  trigger_options.on_started = [&p] { p.Wake(); };
  p.triggers = std::make_unique<triggers::TriggerEngine>(
      *p.store, *p.trigger_lister, *p.trigger_target,
      api::WebhookSecretReader(*p.store, policy, &p.secret_keys), p.clock, p.ids,
      std::move(trigger_options));
  api::ServiceGuardOptions guard_options;
  guard_options.wake_delegate = [&p] { p.WakeDelegate(); };
  p.guard = std::make_unique<api::ServiceGuard>(*p.store, *p.deploys, p.clock, guard_options);

  // Another server on a shared store changed something: an execution to advance, a task to
  // claim, a long-poll or log stream to answer. (SQLite: never called.)
  p.store->SetChangeListener([&p] {
    p.Wake();
    p.WakeDelegate();
    p.changes.Notify();
  });

  // The loops start before the API: executions left running by a previous process resume now.
  p.runner->Start();
  p.notify_sender->Start();
  if (p.agent) {
    p.agent_thread = std::jthread([&p](std::stop_token stop) { p.agent->Run(stop); });
  }
  p.trigger_thread = std::jthread([&p](std::stop_token stop) {
    SetThreadName("ferry-triggers");
    p.triggers->Run(stop);
  });
  p.guard_thread = std::jthread([&p](std::stop_token stop) {
    SetThreadName("ferry-guard");
    p.guard->Run(stop);
  });

  api::ApiServerOptions api_options;
  api_options.host = options.listen;
  api_options.port = options.port;
  api_options.threads = options.api_threads;
  api_options.version = options.version;
  api_options.tls_cert_file = options.tls_cert_file;
  api_options.tls_key_file = options.tls_key_file;
  api_options.trusted_proxies = options.trusted_proxies;
  auto api = api::ApiServer::Start(
      api_options,
      api::ApiDependencies{*p.store, *p.deploys, p.clock, [] { return true; }, [&p] { p.Wake(); },
                           &p.changes, p.transport.get(), p.delegates.get(), &p.secret_keys,
                           p.pipelines.get(), p.triggers.get()});
  auto runtime = std::unique_ptr<ServerRuntime>(new ServerRuntime(std::move(parts)));
  if (!api.ok()) {
    runtime->Stop();
    return api.error();
  }
  runtime->parts_->api = std::move(*api);
  if (options.public_url.empty()) runtime->parts_->notifier->SetBaseUrl(runtime->url());
  log::Info("ferry server started",
            {{"url", runtime->url()},
             {shared_store ? "store" : "data", DescribeStore(choice)},
             {"engine", engine_options.owner},
             {"embedded_delegate", options.embedded_delegate ? "yes" : "no"}});
  return runtime;
}

ServerRuntime::ServerRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ServerRuntime::~ServerRuntime() { Stop(); }

std::string ServerRuntime::url() const {
  return (parts_->options.tls_cert_file.empty() ? "http://" : "https://") + parts_->options.listen +
         ":" + std::to_string(port());
}

int ServerRuntime::port() const { return parts_->api ? parts_->api->port() : 0; }

store::Store& ServerRuntime::store() { return *parts_->store; }
api::DeployService& ServerRuntime::deploys() { return *parts_->deploys; }
api::PipelineService& ServerRuntime::pipelines() { return *parts_->pipelines; }
Clock& ServerRuntime::clock() { return parts_->clock; }
IdGenerator& ServerRuntime::ids() { return parts_->ids; }
aws::ServiceDeps ServerRuntime::AwsDeps() {
  Parts& p = *parts_;
  return aws::ServiceDeps{*p.http, *p.credentials, p.clock, p.ids, p.limiters, p.retry_quota};
}
void ServerRuntime::WakeEngine() { parts_->Wake(); }

void ServerRuntime::Stop() {
  Parts& p = *parts_;
  std::lock_guard lock(p.stop_mu);
  if (p.stopped) return;
  p.stopped = true;
  // No more wake-ups from other servers: what they would wake is stopping.
  if (p.store) p.store->SetChangeListener(nullptr);
  if (p.api) p.api->Stop();
  if (p.trigger_thread.joinable()) {
    p.trigger_thread.request_stop();
    p.trigger_thread.join();
  }
  if (p.guard_thread.joinable()) {
    p.guard_thread.request_stop();
    p.guard_thread.join();
  }
  if (p.agent_thread.joinable()) {
    p.agent_thread.request_stop();
    p.agent_thread.join();
  }
  if (p.runner) p.runner->Stop();
  if (p.notify_sender) p.notify_sender->Stop();
  log::Info("ferry server stopped",
            {{p.options.store_url.empty() ? "data" : "store",
              DescribeStore({.data_dir = p.options.data_dir, .store_url = p.options.store_url})}});
}

TerminationSignals::TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  waiter_ = std::thread([this, signals] {
    SetThreadName("ferry-signals");
    int received = 0;
    while (sigwait(&signals, &received) != 0) {
    }
    {
      std::lock_guard lock(mu_);
      received_ = received;
    }
    stop_.request_stop();
    cv_.notify_all();
  });
}

TerminationSignals::~TerminationSignals() {
  bool pending;
  {
    std::lock_guard lock(mu_);
    pending = received_ == 0;
  }
  // The waiter still sits in sigwait: hand it a signal only it can receive (it is blocked in
  // every thread, so it stays pending for that thread).
  if (pending) pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

int TerminationSignals::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return received_ != 0; });
  return received_;
}

}  // namespace ferry::app
