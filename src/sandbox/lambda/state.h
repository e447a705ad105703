// Internal to sandbox/lambda: the function table, the operation context, and helpers shared by
// the operation files (functions.cc, aliases.cc, invoke.cc).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/json.h"
#include "sandbox/lambda/code_store.h"
#include "sandbox/lambda/event_runner.h"
#include "sandbox/lambda/invocation_faults.h"
#include "sandbox/lambda/lambda_service.h"
#include "sandbox/lambda/model.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::lambda {

// One published version or $LATEST.
struct VersionRecord {
  Json config;  // FunctionConfiguration exactly as returned
  std::string code_hex;
  std::string fingerprint;  // code + configuration, to detect "nothing changed" on publish
};

struct FunctionRecord {
  std::string account_id, region, name;
  VersionRecord latest;
  std::map<int64_t, VersionRecord> versions;
  int64_t last_version = 0;
  std::map<std::string, Json> aliases;  // AliasConfiguration by name
  std::map<std::string, std::string> tags;
  std::optional<TimePoint> settle_at;  // when Pending / InProgress ends
  // What Invoke of $LATEST runs while an update is InProgress (or after it Failed): the version
  // as it was before the update, as AWS keeps serving the previous code and configuration.
  std::optional<VersionRecord> serving;
  // Set by an injected "state-failed" fault: the pending create/update ends Failed with this
  // reason instead of Active/Successful.
  std::optional<std::string> fail_reason;
};

// An error in Lambda's vocabulary; rendered by RenderLambdaError.
Error ApiError(int status, const std::string& aws_code, const std::string& message);

struct OpContext {
  const Request& request;
  const Caller& caller;
  const Json& input;
  std::string request_id;
  std::string region;  // the caller's region
};

struct LambdaService::State {
  LambdaOptions options;
  Clock& clock;
  IdGenerator& ids;
  MetricSink* metrics;
  ObjectReader* objects;
  runtime::Invoker* invoker;
  CodeStore code;
  std::optional<SnapshotFile> snapshot;
  InvocationFaults invocation_faults;  // not persisted

  std::mutex mu;
  std::map<std::string, FunctionRecord> functions;  // Guarded by mu; by FunctionKey.
  std::mutex endpoint_mu;
  std::string endpoint_url;  // Guarded by endpoint_mu.
  std::mutex persist_mu;
  std::condition_variable persisted;  // notified when a write ends
  uint64_t durable = 0;               // Guarded by persist_mu: changes up to it are on disk.
  bool writing = false;               // Guarded by persist_mu.
  // Declared last: destroyed first, so no queued event outlives the state it uses.
  EventRunner events{4, 10000};

  State(LambdaOptions o, Clock& c, IdGenerator& i, MetricSink* m, ObjectReader* r,
        runtime::Invoker* inv, std::optional<std::filesystem::path> code_dir)
      : options(std::move(o)),
        clock(c),
        ids(i),
        metrics(m),
        objects(r),
        invoker(inv),
        code(std::move(code_dir)),
        invocation_faults(options.fault_seed) {}

  // Helpers; callers hold mu unless noted.
  std::string NewRevisionId();
  std::string Arn(const std::string& account, const std::string& region,
                  const std::string& name) const;
  void Settle(FunctionRecord& fn);
  // Durability of the --data snapshot, by group commit. An operation that changed the table (or a
  // read that settled a function) calls Persist (holding mu), which only counts the change; the
  // dispatcher, once it has released mu, answers only after AwaitDurable(that count): a snapshot
  // that includes the change is on disk. One caller at a time serialises the whole table and writes
  // it, covering every change made before it started, so concurrent mutations share a write instead
  // of each rewriting the table (tens of milliseconds at 1,000 functions, which capped a fleet at a
  // few per second).
  Status Persist();
  uint64_t changes = 0;                  // Guarded by mu; bumped by Persist.
  Status AwaitDurable(uint64_t change);  // without mu
  Json ToJson() const;
  Status FromJson(const Json& json);
};

std::string FunctionKey(const std::string& account, const std::string& region,
                        const std::string& name);

// "name", "name:qualifier", partial "123456789012:function:name[:q]" or a full ARN.
struct FunctionRef {
  std::string account_id;
  std::string region;
  std::string name;
  std::string qualifier;  // "" when none
};
// kInvalidArgument-shaped ApiError for an ARN of another account/region or conflicting
// qualifiers.
Result<FunctionRef> ResolveFunctionRef(const OpContext& ctx, const std::string& function_name,
                                       const std::string& qualifier_param);

// "2019-08-14T22:26:11.234+0000", Lambda's LastModified format.
std::string LambdaTimestamp(TimePoint t);

// Operation handlers (mu held by the caller except for Invoke).
using OpResult = Result<Response>;
OpResult CreateFunction(LambdaService::State& s, const OpContext& ctx);
OpResult GetFunction(LambdaService::State& s, const OpContext& ctx);
OpResult GetFunctionConfiguration(LambdaService::State& s, const OpContext& ctx);
OpResult UpdateFunctionCode(LambdaService::State& s, const OpContext& ctx);
OpResult UpdateFunctionConfiguration(LambdaService::State& s, const OpContext& ctx);
OpResult PublishVersion(LambdaService::State& s, const OpContext& ctx);
OpResult ListVersionsByFunction(LambdaService::State& s, const OpContext& ctx);
OpResult ListFunctions(LambdaService::State& s, const OpContext& ctx);
OpResult DeleteFunction(LambdaService::State& s, const OpContext& ctx);
OpResult CreateAlias(LambdaService::State& s, const OpContext& ctx);
OpResult GetAlias(LambdaService::State& s, const OpContext& ctx);
OpResult UpdateAlias(LambdaService::State& s, const OpContext& ctx);
OpResult DeleteAlias(LambdaService::State& s, const OpContext& ctx);
OpResult ListAliases(LambdaService::State& s, const OpContext& ctx);
OpResult TagResource(LambdaService::State& s, const OpContext& ctx);
OpResult UntagResource(LambdaService::State& s, const OpContext& ctx);
OpResult ListTags(LambdaService::State& s, const OpContext& ctx);
OpResult GetAccountSettings(LambdaService::State& s, const OpContext& ctx);
// Takes mu itself (the handler runs without it).
OpResult Invoke(LambdaService::State& s, const OpContext& ctx);

// Shared by the operation files.
Response JsonResponse(int status, const Json& body, const std::string& request_id);
Result<FunctionRecord*> FindFunction(LambdaService::State& s, const FunctionRef& ref);
// The version a qualifier names ("" / "$LATEST" / number); aliases are resolved by the caller.
Result<VersionRecord*> FindVersion(LambdaService::State& s, FunctionRecord& fn,
                                   const std::string& qualifier);
// Pagination over n items: start index from Marker, page size from MaxItems (default 50).
Result<std::pair<size_t, size_t>> PageBounds(const Json& input, size_t n);
Error FunctionNotFound(const std::string& arn);

}  // namespace ferry::sandbox::lambda
