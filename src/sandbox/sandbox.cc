#include "sandbox/sandbox.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <optional>

#include "common/ids.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time.h"
#include "sandbox/cloudwatch/cloudwatch_service.h"
#include "sandbox/credentials.h"
#include "sandbox/faults.h"
#include "sandbox/front.h"
#include "sandbox/http_server.h"
#include "sandbox/lambda/lambda_service.h"
#include "sandbox/runtime/process_invoker.h"
#include "sandbox/s3/s3_service.h"
#include "sandbox/secrets/local_key.h"
#include "sandbox/secrets/secrets_manager_service.h"
#include "sandbox/secrets/ssm_service.h"
#include "sandbox/sandbox_clock.h"
#include "sandbox/snapshot.h"
#include "sandbox/sts/sts_service.h"
#include "sandbox/traffic.h"

namespace ferry::sandbox {

struct Sandbox::Parts {
  explicit Parts(uint64_t seed)
      : clock(SystemClock::Instance()),
        ids(SystemClock::Instance()),
        credentials(clock),
        faults(seed) {}
  ~Parts() {
    // Stop serving before the services the handlers use go away.
    if (server) server->Stop();
    server.reset();
    // Traffic invokes Lambda: stop it (ending injected-latency waits) before Lambda goes.
    if (lambda) lambda->CancelInjectedLatency();
    traffic.reset();
    lambda.reset();
    invoker.reset();
    if (!scratch_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir, ec);
    }
  }

  SandboxClock clock;  // declared first: everything below reads it
  // DATA/clock.json keeps the clock's offset across restarts (time never runs backwards for
  // what was stored while it was ahead); serialised by clock_mu.
  std::optional<SnapshotFile> clock_file;
  std::mutex clock_mu;
  RandomIdGenerator ids;
  CredentialStore credentials;
  FaultInjector faults;
  std::unique_ptr<s3::S3Service> s3;
  std::unique_ptr<cloudwatch::CloudWatchService> cloudwatch;
  std::unique_ptr<sts::StsService> sts;
  std::unique_ptr<secrets::SecretsManagerService> secrets_manager;
  std::unique_ptr<secrets::SsmService> ssm;
  std::unique_ptr<runtime::ProcessInvoker> invoker;
  std::unique_ptr<lambda::LambdaService> lambda;
  std::unique_ptr<TrafficGenerators> traffic;
  std::unique_ptr<Front> front;
  std::unique_ptr<HttpServer> server;
  std::filesystem::path scratch_dir;  // removed at shutdown (no --data)
  std::string host;
};

Sandbox::Sandbox(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Sandbox::~Sandbox() = default;

int Sandbox::port() const { return parts_->server->port(); }

Clock& Sandbox::clock() { return parts_->clock; }

std::string Sandbox::endpoint_url() const {
  return "http://" + parts_->host + ":" + std::to_string(port());
}

void Sandbox::Stop() {
  if (parts_->server) parts_->server->Stop();
  if (parts_->lambda) parts_->lambda->CancelInjectedLatency();
  if (parts_->traffic) parts_->traffic->StopAll();
}

namespace {

// GET /_ferry/clock: {"now": RFC 3339, "offset_seconds": N}. POST {"advance_seconds": N} moves the
// sandbox clock forward by N seconds (0 < N <= 400 days), for tests of expiry and periods.
Response HandleClock(Sandbox::Parts& parts, const Request& request) {
  SandboxClock& clock = parts.clock;
  auto answer = [&](int status, const Json& body) {
    Response r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = DumpJson(body);
    return r;
  };
  if (request.path != "/_ferry/clock") return answer(404, Json{{"error", "no such admin route"}});
  if (request.method == "POST") {
    JsonLimits limits;
    limits.max_bytes = 4096;
    limits.max_depth = 4;
    auto body = ParseJson(request.body, limits);
    if (!body.ok()) return answer(400, Json{{"error", body.error().message}});
    auto it = body->is_object() ? body->find("advance_seconds") : body->end();
    constexpr int64_t kMaxAdvance = 400LL * 24 * 3600;
    if (!body->is_object() || it == body->end() || !it->is_number_integer() ||
        it->get<int64_t>() <= 0 || it->get<int64_t>() > kMaxAdvance) {
      return answer(400, Json{{"error", "expected {\"advance_seconds\": N} with 0 < N <= " +
                                            std::to_string(kMaxAdvance)}});
    }
    const std::chrono::milliseconds by = std::chrono::seconds(it->get<int64_t>());
    {
      std::lock_guard lock(parts.clock_mu);
      if (parts.clock_file) {
        Status saved = parts.clock_file->Save(Json{{"offsetMs", (clock.offset() + by).count()}});
        if (!saved.ok()) return answer(500, Json{{"error", saved.error().message}});
      }
      clock.Advance(by);
    }
    // Periods have passed: alarms change state now, not when next read.
    parts.cloudwatch->EvaluateAlarms();
    log::Info("sandbox clock advanced", {{"seconds", std::to_string(it->get<int64_t>())}});
  } else if (request.method != "GET") {
    return answer(405, Json{{"error", "use GET or POST"}});
  }
  return answer(200,
                Json{{"now", FormatRfc3339(clock.Now())},
                     {"offset_seconds",
                      std::chrono::duration_cast<std::chrono::seconds>(clock.offset()).count()}});
}

}  // namespace

Result<std::unique_ptr<Sandbox>> Sandbox::Start(const SandboxOptions& options) {
  uint64_t seed =
      options.fault_seed ? *options.fault_seed : static_cast<uint64_t>(std::random_device{}());
  auto parts = std::make_unique<Parts>(seed);
  parts->host = options.host;
  SandboxClock& clock = parts->clock;

  FERRY_RETURN_IF_ERROR(parts->credentials.AddLongTermKey(kDefaultAccountId, "test", "test"));
  for (const std::string& spec : options.accounts) {
    FERRY_RETURN_IF_ERROR(parts->credentials.AddFromSpec(spec));
  }
  if (options.accounts_file) {
    FERRY_RETURN_IF_ERROR(parts->credentials.LoadConfigFile(*options.accounts_file));
  }
  for (const std::string& spec : options.faults) {
    FERRY_ASSIGN_OR_RETURN(FaultRule rule, ParseFaultRule(spec));
    parts->faults.Add(std::move(rule));
  }

  std::optional<std::filesystem::path> data = options.data_dir;
  // Workers run in their code directory: every path handed to them must be absolute.
  if (data) data = std::filesystem::absolute(*data);
  std::filesystem::path work_dir;
  if (data) {
    std::error_code ec;
    std::filesystem::create_directories(*data, ec);
    if (ec)
      return Unavailable("cannot create data directory " + data->string() + ": " + ec.message());
    work_dir = *data / "runtime";
    std::filesystem::remove_all(work_dir, ec);  // unpacked code is derived state
    parts->clock_file.emplace(*data / "clock.json");
    FERRY_ASSIGN_OR_RETURN(std::optional<Json> saved, parts->clock_file->Load());
    if (saved) {
      auto it = saved->find("offsetMs");
      if (it == saved->end() || !it->is_number_integer() || it->get<int64_t>() < 0) {
        return InvalidArgument("sandbox clock file " + parts->clock_file->path().string() +
                               " has no non-negative integer offsetMs; fix or remove it");
      }
      clock.Advance(std::chrono::milliseconds(it->get<int64_t>()));
    }
  } else {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp ? tmp : "/tmp") + "/ferry-sandbox-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return Unavailable("cannot create " + pattern);
    parts->scratch_dir = pattern;
    work_dir = parts->scratch_dir / "runtime";
  }

  s3::S3Options s3_options;
  if (data) s3_options.data_dir = *data / "s3";
  FERRY_ASSIGN_OR_RETURN(parts->s3, s3::S3Service::Create(s3_options, clock, parts->ids));
  cloudwatch::CloudWatchOptions cw_options;
  if (data) cw_options.data_dir = *data / "cloudwatch";
  FERRY_ASSIGN_OR_RETURN(parts->cloudwatch,
                         cloudwatch::CloudWatchService::Create(cw_options, clock, parts->ids));
  FERRY_ASSIGN_OR_RETURN(parts->sts,
                         sts::StsService::Create(parts->credentials, clock, parts->ids, data));
  FERRY_ASSIGN_OR_RETURN(auto local_key, secrets::LocalKey::Open(data));
  FERRY_ASSIGN_OR_RETURN(parts->secrets_manager, secrets::SecretsManagerService::Create(
                                                     clock, parts->ids, local_key, data));
  FERRY_ASSIGN_OR_RETURN(parts->ssm, secrets::SsmService::Create(clock, parts->ids, local_key, data));
  runtime::ProcessInvokerOptions runtime_options;
  runtime_options.work_dir = work_dir;
  runtime_options.max_workers_per_function = options.max_workers_per_function;
  FERRY_ASSIGN_OR_RETURN(parts->invoker, runtime::ProcessInvoker::Create(runtime_options));
  lambda::LambdaOptions lambda_options;
  lambda_options.default_region = options.region;
  lambda_options.update_delay = options.update_delay;
  lambda_options.data_dir = data;
  lambda_options.fault_seed = seed;
  FERRY_ASSIGN_OR_RETURN(
      parts->lambda,
      lambda::LambdaService::Create(lambda_options, clock, parts->ids, parts->cloudwatch.get(),
                                    parts->s3.get(), parts->invoker.get()));

  FrontOptions front_options;
  front_options.region = options.region;
  front_options.enforce_quotas = options.quotas;
  parts->front =
      std::make_unique<Front>(front_options, clock, parts->ids, parts->credentials, parts->faults);
  parts->front->AddService(*parts->lambda);
  parts->front->AddService(*parts->s3);
  parts->front->AddService(*parts->cloudwatch);
  parts->front->AddService(*parts->sts);
  parts->front->AddService(*parts->secrets_manager);
  parts->front->AddService(*parts->ssm);
  lambda::LambdaService* lambda = parts->lambda.get();
  parts->front->AddAdminRoute("code/", [lambda](const Request& r) { return lambda->ServeCode(r); });
  Parts* admin = parts.get();
  parts->front->AddAdminRoute("clock",
                              [admin](const Request& r) { return HandleClock(*admin, r); });
  parts->front->AddAdminRoute(
      "function-faults", [lambda](const Request& r) { return lambda->ServeInvocationFaults(r); });
  parts->traffic = std::make_unique<TrafficGenerators>(*parts->lambda, clock);
  TrafficGenerators* traffic = parts->traffic.get();
  std::string region = options.region;
  parts->front->AddAdminRoute(
      "traffic", [traffic, region](const Request& r) { return ServeTraffic(*traffic, r, region); });
  // --traffic generators start at once; until the function exists their calls are rejected.
  std::vector<TrafficSpec> flagged;
  for (const std::string& flag : options.traffic) {
    FERRY_ASSIGN_OR_RETURN(TrafficSpec spec, ParseTrafficFlag(flag, parts->traffic->limits(),
                                                              kDefaultAccountId, options.region));
    flagged.push_back(std::move(spec));
  }
  for (TrafficSpec& spec : flagged) {
    auto started = parts->traffic->Start(std::move(spec));
    if (!started.ok()) return started.error().WithContext("--traffic");
  }

  HttpServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  FERRY_ASSIGN_OR_RETURN(parts->server, HttpServer::Start(server_options, *parts->front));
  auto sandbox = std::unique_ptr<Sandbox>(new Sandbox(std::move(parts)));
  sandbox->parts_->lambda->SetEndpointUrl(sandbox->endpoint_url());
  log::Info("sandbox started", {{"endpoint", sandbox->endpoint_url()},
                                {"region", options.region},
                                {"data", data ? data->string() : "(memory)"}});
  return sandbox;
}

}  // namespace ferry::sandbox
