// The sandbox's Lambda (rest-json, 2015-03-31): the control plane (functions, versions, aliases
// with weighted routing, tags, account settings) and Invoke, which runs handlers for real through
// an Invoker (sandbox/runtime). Requests are matched and validated against the embedded official
// model; errors carry Lambda's codes and shapes.
//
// State changes settle like AWS's: a created function is Pending and an updated one InProgress
// until `update_delay` has passed on the injected Clock. With a data directory every change is
// written to lambda/state.json (atomically) and code zips to lambda/code/<sha256>.zip.
//
// Thread-safe: one mutex guards the function table; invocations run outside it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/metrics.h"
#include "sandbox/service.h"

namespace ferry::sandbox::runtime {
class Invoker;
}

namespace ferry::sandbox::lambda {

struct LambdaOptions {
  std::string default_region = "us-east-1";
  Duration update_delay{1000};
  std::optional<std::filesystem::path> data_dir;  // state persisted here when set
  // Base URL for GetFunction's Code.Location ("http://127.0.0.1:4566"); set once the port is known.
  std::string endpoint_url;
  // Seed of the invocation fault knobs (invocation_faults.h).
  uint64_t fault_seed = 0;
};

class LambdaService final : public Service {
 public:
  // metrics and objects may be null (no CloudWatch / S3 wired). invoker may be null: Invoke then
  // answers ServiceException. All must outlive the service.
  static Result<std::unique_ptr<LambdaService>> Create(LambdaOptions options, Clock& clock,
                                                       IdGenerator& ids, MetricSink* metrics,
                                                       ObjectReader* objects,
                                                       runtime::Invoker* invoker);
  ~LambdaService() override;

  std::string_view signing_name() const override { return "lambda"; }
  Response Handle(const Request& request, const Caller& caller) override;
  Response RenderError(const Request& request, const WireError& error) override;
  std::string OperationName(const Request& request) override;

  void SetEndpointUrl(const std::string& url);
  // Serves GET /_ferry/code/<sha256-hex> (the Code.Location of GetFunction).
  Response ServeCode(const Request& request);
  // Serves /_ferry/function-faults: the invocation fault knobs (invocation_faults.h).
  Response ServeInvocationFaults(const Request& request);
  // Ends every injected-latency wait at once (the sandbox is stopping).
  void CancelInjectedLatency();

  struct State;

 private:
  explicit LambdaService(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ferry::sandbox::lambda
