// The routes of remote delegates (scope `delegate` only; docs/api.md "Delegates"):
//   POST /api/v1/delegate/claim      a claim request; 200 with an assignment, or 204 when nothing
//                                    was claimable within the request's wait (a long-poll woken
//                                    by the change signal, bounded by kMaxClaimWait)
//   POST /api/v1/delegate/heartbeat  204, or 412 when the lease is lost
//   POST /api/v1/delegate/logs       204
//   POST /api/v1/delegate/complete   204, or 412 when the lease was lost before the result came
//   GET  /api/v1/delegate/secrets/{name}  where an env or file secret lives (never its value)
// and GET /api/v1/delegates (scope read): every delegate seen, its running tasks, and the queued
// tasks with the delegates that could claim them.
// The task calls go through the same TaskTransport as the embedded delegate (the store's
// ClaimNext, Heartbeat, Complete), so a remote task behaves exactly like an embedded one.
#include <algorithm>
#include <map>

#include "api/access_check.h"
#include "api/deploy_config.h"
#include "api/request_actor.h"
#include "api/request_input.h"
#include "api/router.h"
#include "common/strings.h"
#include "common/time.h"
#include "delegate/protocol/task_protocol.h"
#include "model/entities.h"
#include "model/enums.h"
#include "store/delegate_registry.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

// How long a claim is held when nothing is claimable; the delegate then asks again. Short enough
// that proxies and load balancers keep the connection, long enough that an idle delegate costs
// the server three requests a minute.
constexpr std::chrono::milliseconds kMaxClaimWait{20'000};
// Between two claims of one held request even when nothing was notified: finds tasks whose lease
// expired (nothing notifies that) and tasks enqueued by another server on the same database.
constexpr std::chrono::milliseconds kClaimRetry{1'000};
// A delegate not seen for this long is shown as gone and not counted as able to claim.
constexpr Duration kAliveWithin = std::chrono::seconds(60);

Status Available(const RouteContext& ctx) {
  if (ctx.delegate_tasks == nullptr || ctx.delegates == nullptr) {
    return Error{ErrorCode::kUnimplemented, "this server does not serve remote delegates", {}};
  }
  return Ok();
}

Status CheckBody(const RouteContext& ctx, const ApiRequest& request) {
  const size_t limit = std::min(ctx.max_body_bytes, delegate::kMaxTaskMessageBytes);
  if (request.body.size() > limit) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "request body is " + std::to_string(request.body.size()) +
                     " bytes; the limit is " + std::to_string(limit),
                 {}};
  }
  if (Trim(request.body).empty())
    return InvalidArgument("request body is empty; send a JSON object");
  if (!IsValidUtf8(request.body)) return InvalidArgument("request body is not valid UTF-8");
  return Ok();
}

ApiResponse NoContent() {
  ApiResponse reply;
  reply.status = 204;
  return reply;
}

// The lease was lost: says so in words a delegate log reader understands.
Error LeaseLost(const Error& error, const delegate::TaskAssignment& a) {
  if (error.code != ErrorCode::kFailedPrecondition) return error;
  return FailedPrecondition("task " + QuoteForMessage(a.task_id) + " is no longer held by " +
                            QuoteForMessage(a.owner) + " (attempt " + std::to_string(a.attempt) +
                            "): " + error.message);
}

// A delegate token created for one delegate (`ferry delegate-token create TOKEN --name N`)
// registers only as that delegate; another name is refused, and the refusal audited, so such a
// token, leaked, does not impersonate other delegates. A token created without --name is a fleet
// token: the delegates sharing it (an autoscaled group) register under their own names
// (docs/security.md).
Status CheckDelegateName(RouteContext& ctx, const ApiRequest& request, const std::string& name) {
  const Principal& p = request.principal;
  const std::string& bound = p.delegate_name;
  if (bound.empty()) return Ok();
  if (bound == name) return Ok();
  auto audited =
      RecordAction(ctx.store.audit(), request,
                   {.action = "delegate.name-refused",
                    .subject_type = "delegate",
                    .subject_id = name,
                    .details_json = DumpJson(Json{{"token", p.token}, {"boundTo", bound}})});
  (void)audited;  // the refusal stands even when the audit log cannot be written
  return Error{ErrorCode::kPermissionDenied,
               "delegate token " + QuoteForMessage(p.token, 64) + " registers only as delegate " +
                   QuoteForMessage(bound, 64) + ", not " + QuoteForMessage(name, 64) +
                   "; give each delegate its own token (`ferry delegate-token create TOKEN "
                   "--name " +
                   name.substr(0, 64) + "`)",
               {}};
}

Result<ApiResponse> Claim(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(Available(ctx));
  FERRY_RETURN_IF_ERROR(CheckBody(ctx, request));
  FERRY_ASSIGN_OR_RETURN(auto claim, delegate::DecodeClaimRequest(request.body));
  FERRY_RETURN_IF_ERROR(CheckDelegateName(ctx, request, claim.name));
  const store::DelegateSighting sighting{claim.name, claim.delegate_id, claim.selectors,
                                         claim.version};
  if (ctx.sightings == nullptr || ctx.sightings->ShouldWrite(sighting, ctx.clock.Now())) {
    auto seen = ctx.delegates->Seen(sighting);
    if (!seen.ok()) {
      if (ctx.sightings != nullptr) ctx.sightings->Forget(sighting.instance);
      return seen.error();
    }
    if (seen->first_seen_at == seen->last_seen_at) {  // a new delegate, or a new instance of one
      FERRY_RETURN_IF_ERROR(RecordAction(
          ctx.store.audit(), request,
          {.action = "delegate.register",
           .subject_type = "delegate",
           .subject_id = seen->name,
           .details_json = DumpJson(Json{{"instance", seen->instance},
                                         {"selectors", seen->selectors},
                                         {"version", seen->version}})}));
    }
  }
  auto wait =
      std::min(std::chrono::duration_cast<std::chrono::milliseconds>(claim.wait), kMaxClaimWait);
  // A held claim takes a serving thread; when every slot for them is taken, answer at once
  // and let the delegate ask again.
  bool holding = wait > std::chrono::milliseconds::zero() && ctx.claim_slots.TryTake();
  struct Release {
    RouteContext& ctx;
    bool held;
    ~Release() {
      if (held) ctx.claim_slots.Give();
    }
  } release{ctx, holding};
  if (!holding) wait = std::chrono::milliseconds::zero();
  // Real time, as ChangeSignal waits: it bounds how long a serving thread is held.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    const uint64_t generation = ctx.ChangeGeneration();
    FERRY_ASSIGN_OR_RETURN(auto assignment, ctx.delegate_tasks->ClaimNext(
                                                claim.delegate_id, claim.selectors, claim.lease));
    if (assignment) {
      ApiResponse reply;
      reply.body = delegate::EncodeAssignment(*assignment);
      return reply;
    }
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (remaining <= std::chrono::milliseconds::zero()) return NoContent();
    if (ctx.WaitForChange(generation, std::min(remaining, kClaimRetry))) return NoContent();
  }
}

Result<ApiResponse> Heartbeat(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(Available(ctx));
  FERRY_RETURN_IF_ERROR(CheckBody(ctx, request));
  delegate::TaskAssignment a;
  FERRY_ASSIGN_OR_RETURN(Duration extension, delegate::DecodeHeartbeat(request.body, &a));
  (void)ctx.delegates->Touch(a.owner);  // last seen: only for display, never fails a heartbeat
  Status s = ctx.delegate_tasks->Heartbeat(a, extension);
  if (!s.ok()) return LeaseLost(s.error(), a);
  return NoContent();
}

Result<ApiResponse> Logs(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(Available(ctx));
  FERRY_RETURN_IF_ERROR(CheckBody(ctx, request));
  delegate::TaskAssignment a;
  FERRY_ASSIGN_OR_RETURN(auto lines, delegate::DecodeLogLines(request.body, &a));
  // The log goes where the task's execution is, which the store knows, not the delegate.
  FERRY_ASSIGN_OR_RETURN(auto task, ctx.store.tasks().Get(a.task_id));
  if (task.lease_owner != a.owner || task.attempt != a.attempt) {
    return FailedPrecondition("task " + QuoteForMessage(a.task_id) + " is not held by " +
                              QuoteForMessage(a.owner) + " (attempt " + std::to_string(a.attempt) +
                              "); its log lines are dropped");
  }
  a.execution_id = task.execution_id;
  a.step_index = task.step_index;
  FERRY_RETURN_IF_ERROR(ctx.delegate_tasks->AppendLog(a, lines));
  return NoContent();
}

Result<ApiResponse> Complete(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(Available(ctx));
  FERRY_RETURN_IF_ERROR(CheckBody(ctx, request));
  delegate::TaskAssignment a;
  FERRY_ASSIGN_OR_RETURN(auto result, delegate::DecodeResult(request.body, &a));
  if (result.result_json.size() > store::kMaxDocumentBytes) {
    return Error{ErrorCode::kPayloadTooLarge, "a task's result is at most 16 MiB", {}};
  }
  Status s = ctx.delegate_tasks->Complete(a, result);
  if (!s.ok()) return LeaseLost(s.error(), a);
  return NoContent();
}

Result<ApiResponse> SecretReference(RouteContext& ctx, const PathParams& params) {
  FERRY_RETURN_IF_ERROR(Available(ctx));
  const std::string& name = params.at("name");
  FERRY_ASSIGN_OR_RETURN(auto ref, deploy::LoadSecretRef(ctx.store.entities(), name));
  if (ref.source != model::SecretSource::kEnv && ref.source != model::SecretSource::kFile) {
    return FailedPrecondition("secret " + QuoteForMessage(name) + " has source " +
                              std::string(model::EnumName(ref.source)) +
                              ", which a remote delegate cannot read yet (env and file only; "
                              "the embedded delegate reads ferry and AWS secrets)");
  }
  return JsonReply(200, {{"name", ref.name},
                         {"source", std::string(model::EnumName(ref.source))},
                         {"ref", ref.ref.value_or(ref.name)}});
}

Result<ApiResponse> ListDelegates(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  // Delegates belong to no application: a caller whose grants cover only some sees none.
  if (ctx.delegates == nullptr || !ReadScope(ctx.store, request.principal).Application("")) {
    return JsonReply(200, {{"items", Json::array()}, {"queued", Json::array()}});
  }
  FERRY_ASSIGN_OR_RETURN(auto delegates, ctx.delegates->List());
  const TimePoint now = ctx.clock.Now();
  FERRY_ASSIGN_OR_RETURN(
      auto leased,
      ctx.store.tasks().List({std::nullopt, store::TaskStatus::kLeased, store::kMaxPageSize}));
  std::map<std::string, Json> running;  // by lease owner
  for (const store::TaskRecord& t : leased) {
    if (!t.lease_owner || !t.lease_expires_at || *t.lease_expires_at <= now) continue;
    Json item = {{"taskId", t.id},
                 {"kind", t.kind},
                 {"attempt", t.attempt},
                 {"leaseExpiresAt", FormatRfc3339(*t.lease_expires_at)}};
    if (t.execution_id) item["executionId"] = *t.execution_id;
    auto [it, inserted] = running.try_emplace(*t.lease_owner, Json::array());
    (void)inserted;
    it->second.push_back(std::move(item));
  }
  Json items = Json::array();
  std::vector<const store::DelegateRecord*> alive;
  for (const store::DelegateRecord& d : delegates) {
    const bool is_alive = now - d.last_seen_at <= kAliveWithin;
    if (is_alive) alive.push_back(&d);
    auto it = running.find(d.instance);
    items.push_back({{"name", d.name},
                     {"instance", d.instance},
                     {"selectors", d.selectors},
                     {"version", d.version},
                     {"firstSeenAt", FormatRfc3339(d.first_seen_at)},
                     {"lastSeenAt", FormatRfc3339(d.last_seen_at)},
                     {"alive", is_alive},
                     {"runningTasks", it == running.end() ? Json::array() : it->second}});
  }
  FERRY_ASSIGN_OR_RETURN(
      auto queued,
      ctx.store.tasks().List({std::nullopt, store::TaskStatus::kQueued, store::kMaxPageSize}));
  Json waiting = Json::array();
  for (const store::TaskRecord& t : queued) {
    Json able = Json::array();
    for (const store::DelegateRecord* d : alive) {
      if (std::includes(d->selectors.begin(), d->selectors.end(), t.selectors.begin(),
                        t.selectors.end())) {
        able.push_back(d->name);
      }
    }
    Json item = {{"taskId", t.id},
                 {"kind", t.kind},
                 {"selectors", t.selectors},
                 {"queuedSince", FormatRfc3339(t.created_at)},
                 {"claimableBy", std::move(able)}};
    if (t.execution_id) item["executionId"] = *t.execution_id;
    waiting.push_back(std::move(item));
  }
  return JsonReply(200, {{"items", std::move(items)}, {"queued", std::move(waiting)}});
}

}  // namespace

void AddDelegateRoutes(Router& router, RouteContext& ctx) {
  router.Add("POST", "/api/v1/delegate/claim", Permission::kDelegate,
             [&ctx](const ApiRequest& r, const PathParams&) { return Claim(ctx, r); });
  router.Add("POST", "/api/v1/delegate/heartbeat", Permission::kDelegate,
             [&ctx](const ApiRequest& r, const PathParams&) { return Heartbeat(ctx, r); });
  router.Add("POST", "/api/v1/delegate/logs", Permission::kDelegate,
             [&ctx](const ApiRequest& r, const PathParams&) { return Logs(ctx, r); });
  router.Add("POST", "/api/v1/delegate/complete", Permission::kDelegate,
             [&ctx](const ApiRequest& r, const PathParams&) { return Complete(ctx, r); });
  router.Add("GET", "/api/v1/delegate/secrets/{name}", Permission::kDelegate,
             [&ctx](const ApiRequest&, const PathParams& p) { return SecretReference(ctx, p); });
  router.Add("GET", "/api/v1/delegates", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListDelegates(ctx, r); });
}

}  // namespace ferry::api
