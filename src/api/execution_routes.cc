// GET /api/v1/executions, GET /api/v1/executions/{id}, POST /api/v1/executions/{id}/abort,
// GET /api/v1/executions/{id}/logs (page or Server-Sent Events), GET
// /api/v1/executions/{id}/verifications, GET /api/v1/deployments.
#include "api/access_check.h"
#include "api/json_views.h"
#include "api/request_input.h"
#include "api/request_actor.h"
#include "api/router.h"
#include "common/strings.h"
#include "common/time.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

constexpr int kDefaultLogLimit = 500;
constexpr int64_t kMaxWaitSeconds = 60;  // the longest long-poll of an execution

Result<store::ExecutionRecord> GetExecution(RouteContext& ctx, const std::string& id) {
  auto execution = ctx.store.executions().Get(id);
  if (!execution.ok() && execution.error().code == ErrorCode::kNotFound) {
    return NotFound("no execution " + QuoteForMessage(id) +
                    "; list them with GET /api/v1/executions (`ferry executions`)");
  }
  return execution;
}

// The execution, when the caller may view its application and environment; else 403.
Result<store::ExecutionRecord> GetViewableExecution(RouteContext& ctx, const ApiRequest& request,
                                                    const std::string& id) {
  FERRY_ASSIGN_OR_RETURN(auto execution, GetExecution(ctx, id));
  ReadScope scope(ctx.store, request.principal);
  FERRY_RETURN_IF_ERROR(scope.Require(execution.application, execution.environment));
  return execution;
}

// A page of `list` (a store's List over `filter`, newest first, `before_id` paging) keeping only
// what `visible` allows: a caller whose grants cover only some applications or environment types
// gets the rows it may view (docs/security.md, "Scoped reads"). Reads further batches until the
// page is full, at most kMaxScannedRows rows; `next` then continues after the last row read, so
// a page may be short (even empty) while `next` is set.
constexpr size_t kMaxScannedRows = 20000;

template <typename Record, typename Filter, typename ListFn, typename VisibleFn>
Result<std::vector<Record>> VisiblePage(Filter filter, int limit, bool all, ListFn list,
                                        VisibleFn visible, std::optional<std::string>& next) {
  next.reset();
  if (all) {
    filter.limit = limit + 1;  // one more tells whether there is a next page
    FERRY_ASSIGN_OR_RETURN(std::vector<Record> rows, list(filter));
    if (rows.size() > static_cast<size_t>(limit)) {
      rows.resize(limit);
      next = rows.back().id;
    }
    return rows;
  }
  std::vector<Record> page;
  filter.limit = store::kMaxPageSize;
  size_t scanned = 0;
  while (true) {
    FERRY_ASSIGN_OR_RETURN(std::vector<Record> rows, list(filter));
    for (Record& row : rows) {
      ++scanned;
      if (!visible(row)) continue;
      if (page.size() == static_cast<size_t>(limit)) {
        next = page.back().id;
        return page;
      }
      page.push_back(std::move(row));
    }
    if (rows.size() < static_cast<size_t>(filter.limit)) return page;  // the end
    filter.before_id = rows.back().id;
    if (scanned >= kMaxScannedRows) {
      next = rows.back().id;
      return page;
    }
  }
}

Result<ApiResponse> ListExecutions(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(
      request, {"application", "service", "environment", "status", "limit", "before"}));
  store::ExecutionFilter filter;
  FERRY_ASSIGN_OR_RETURN(filter.application, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(filter.service, QueryName(request, "service"));
  FERRY_ASSIGN_OR_RETURN(filter.environment, QueryName(request, "environment"));
  FERRY_ASSIGN_OR_RETURN(filter.before_id, QueryName(request, "before"));
  FERRY_ASSIGN_OR_RETURN(auto status, QueryName(request, "status"));
  if (status) {
    filter.status = store::ParseExecutionStatus(*status);
    if (!filter.status) {
      return InvalidArgument("unknown status " + QuoteForMessage(*status) +
                             "; expected one of queued, running, waiting, aborting, "
                             "rolling_back, succeeded, failed, aborted, rolled_back, "
                             "rollback_failed");
    }
  }
  FERRY_ASSIGN_OR_RETURN(int limit, ListLimit(request));
  ReadScope scope(ctx.store, request.principal);
  std::optional<std::string> next_id;
  auto executions = VisiblePage<store::ExecutionRecord>(
      filter, limit, scope.All(),
      [&](const store::ExecutionFilter& f) { return ctx.store.executions().List(f); },
      [&](const store::ExecutionRecord& e) {
        return scope.Environment(e.application, e.environment);
      },
      next_id);
  if (!executions.ok()) return ListError(executions.error(), filter.before_id, "execution");
  Json next = next_id ? Json(*next_id) : Json(nullptr);
  TimePoint now = ctx.clock.Now();
  Json items = Json::array();
  for (const store::ExecutionRecord& e : *executions) {
    items.push_back(ExecutionJson(e, now, Outputs::kOmit));  // the store's list has no payloads
  }
  return JsonReply(200, {{"items", std::move(items)}, {"next", std::move(next)}});
}

// A validator of what GET /executions/{id} shows: every change of the execution or of a step
// bumps one of their revisions (a running step's durationMs grows without a change; a client
// computes that clock from startedAt). The view without outputs is another representation, so it
// has its own tag.
std::string ExecutionTag(const store::ExecutionVersion& v, Outputs outputs) {
  return StrCat({"\"", std::to_string(v.revision), ".", std::to_string(v.steps), ".",
                 std::to_string(v.step_revisions),
                 outputs == Outputs::kOmit ? "-no-outputs\"" : "\""});
}

// If-None-Match (RFC 9110 13.1.2): "*" or a comma-separated list of tags, weak ones compared as
// if strong.
bool NoneMatchHolds(std::string_view header, const std::string& tag) {
  for (const std::string& item : Split(header, ',')) {
    std::string_view candidate = Trim(item);
    if (candidate == "*") return true;
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == tag) return true;
  }
  return false;
}

ApiResponse NotModified(const std::string& tag) {
  ApiResponse reply;
  reply.status = 304;
  reply.headers = {{"ETag", tag}};
  return reply;
}

// Returns the execution with an ETag. With If-None-Match naming the current tag it answers 304;
// with wait=N as well it first holds the request until the execution changes (woken by
// ctx.changes, else re-reading every stream_poll) or N seconds pass: a long-poll. While it holds,
// it reads only the execution's version (no inputs or outputs); ?outputs=false leaves the outputs
// out of the reply too, for clients that follow statuses.
Result<ApiResponse> GetExecutionRoute(RouteContext& ctx, const ApiRequest& request,
                                      const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"wait", "outputs"}));
  FERRY_ASSIGN_OR_RETURN(int64_t wait_s, QueryInt(request, "wait", 0, 0, kMaxWaitSeconds));
  FERRY_ASSIGN_OR_RETURN(bool with_outputs, QueryBool(request, "outputs", true));
  const Outputs outputs = with_outputs ? Outputs::kInclude : Outputs::kOmit;
  FERRY_RETURN_IF_ERROR(GetViewableExecution(ctx, request, id));
  const std::string if_none_match = request.Header("if-none-match");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  bool holding_slot = false;
  struct SlotRelease {
    WaitSlots& slots;
    bool& held;
    ~SlotRelease() {
      if (held) slots.Give();
    }
  } release{ctx.wait_slots, holding_slot};
  while (true) {
    const uint64_t seen = ctx.ChangeGeneration();  // before the read: no change is missed
    if (!if_none_match.empty()) {
      auto version = ctx.store.executions().Version(id);
      if (!version.ok()) {
        if (version.error().code != ErrorCode::kNotFound) return version.error();
        FERRY_RETURN_IF_ERROR(GetExecution(ctx, id));  // the route's own not-found message
        return version.error();
      }
      std::string tag = ExecutionTag(*version, outputs);
      if (NoneMatchHolds(if_none_match, tag)) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline || ctx.stop.stopped()) return NotModified(tag);
        if (!holding_slot && !(holding_slot = ctx.wait_slots.TryTake())) {
          ApiResponse busy = NotModified(tag);  // too many waiting: poll again later
          busy.headers.emplace_back("Retry-After", "1");
          return busy;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        if (ctx.WaitForChange(seen, std::min(left, ctx.stream_poll))) return NotModified(tag);
        continue;
      }
    }
    // Changed (or unconditional): the tag comes from the records the reply is made of.
    FERRY_ASSIGN_OR_RETURN(auto execution, GetExecution(ctx, id));
    FERRY_ASSIGN_OR_RETURN(auto steps, ctx.store.executions().Steps(id));
    ApiResponse reply = JsonReply(200, ExecutionJson(execution, steps, ctx.clock.Now(), outputs));
    reply.headers.emplace_back("ETag", ExecutionTag(store::VersionOf(execution, steps), outputs));
    return reply;
  }
}

Result<ApiResponse> AbortExecution(RouteContext& ctx, const ApiRequest& request,
                                   const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  if (!Trim(request.body).empty()) {
    FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, ctx.max_body_bytes));
    FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {}));
  }
  FERRY_ASSIGN_OR_RETURN(auto before, GetExecution(ctx, id));
  FERRY_RETURN_IF_ERROR(
      RequireOn(ctx.store, request, Permission::kDeploy, before.application, before.environment));
  if (store::IsTerminal(before.status)) {
    return Conflict("execution " + id + " already ended (" +
                    std::string(store::ExecutionStatusName(before.status)) +
                    "); there is nothing to abort");
  }
  auto aborted = ctx.store.executions().RequestAbort(id, ActorOf(request));
  if (!aborted.ok()) {
    if (aborted.error().code != ErrorCode::kFailedPrecondition) return aborted.error();
    return Conflict("execution " + id + " ended while the abort was requested");
  }
  if (ctx.wake_engine) ctx.wake_engine();
  FERRY_ASSIGN_OR_RETURN(auto steps, ctx.store.executions().Steps(id));
  return JsonReply(202, ExecutionJson(*aborted, steps, ctx.clock.Now()));
}

std::string LogEvent(const store::LogLine& line) {
  return "id: " + std::to_string(line.sequence) +
         "\nevent: log\ndata: " + DumpJson(LogLineJson(line)) + "\n\n";
}

// Streams the lines after `after` until the execution is terminal and every line was sent, the
// client goes away or the server stops. Store errors end the stream with an `error` event.
void FollowLogs(RouteContext& ctx, const std::string& id, int64_t after,
                const std::function<bool(std::string_view)>& write) {
  // Tell the client how long to wait before reconnecting (EventSource honours it).
  if (!write("retry: 1000\n\n")) return;
  auto last_write = std::chrono::steady_clock::now();
  while (!ctx.stop.stopped()) {
    const uint64_t seen = ctx.ChangeGeneration();
    // Status first, then lines: if the execution was already terminal, every line it will
    // ever have is in the store, so a short read means everything has been sent.
    auto execution = ctx.store.executions().Get(id);
    Result<std::vector<store::LogLine>> lines =
        execution.ok() ? ctx.store.logs().Read({.execution_id = id,
                                                .after_sequence = after,
                                                .step_index = std::nullopt,
                                                .limit = kDefaultLogLimit})
                       : Result<std::vector<store::LogLine>>(execution.error());
    if (!lines.ok()) {
      write("event: error\ndata: " + ErrorReply(lines.error()).body + "\n\n");
      return;
    }
    for (const store::LogLine& line : *lines) {
      if (!write(LogEvent(line))) return;
      after = line.sequence;
      last_write = std::chrono::steady_clock::now();
    }
    if (lines->size() == static_cast<size_t>(kDefaultLogLimit)) continue;  // more waiting
    if (store::IsTerminal(execution->status)) {
      Json end = {{"status", std::string(store::ExecutionStatusName(execution->status))},
                  {"sequence", after}};
      write("event: end\ndata: " + DumpJson(end) + "\n\n");
      return;
    }
    if (std::chrono::steady_clock::now() - last_write >= ctx.stream_keepalive) {
      if (!write(": keep-alive\n\n")) return;
      last_write = std::chrono::steady_clock::now();
    }
    if (ctx.WaitForChange(seen, ctx.stream_poll)) return;
  }
}

bool WantsStream(const ApiRequest& request, std::optional<bool> follow) {
  if (follow) return *follow;
  return request.Header("accept").find("text/event-stream") != std::string::npos;
}

Result<ApiResponse> ExecutionLogs(RouteContext& ctx, const ApiRequest& request,
                                  const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {"after", "limit", "follow", "step"}));
  FERRY_ASSIGN_OR_RETURN(int64_t after,
                         QueryInt(request, "after", 0, 0, std::numeric_limits<int64_t>::max()));
  FERRY_ASSIGN_OR_RETURN(int64_t limit,
                         QueryInt(request, "limit", kDefaultLogLimit, 1, store::kMaxPageSize));
  FERRY_ASSIGN_OR_RETURN(int64_t step, QueryInt(request, "step", -1, 0, 100000));
  std::optional<bool> follow;
  if (request.query.count("follow") > 0) {
    FERRY_ASSIGN_OR_RETURN(follow, QueryBool(request, "follow", false));
  }
  FERRY_RETURN_IF_ERROR(GetViewableExecution(ctx, request, id));
  if (WantsStream(request, follow)) {
    if (step >= 0) return InvalidArgument("'step' cannot be combined with following the logs");
    if (std::string resume = request.Header("last-event-id"); !resume.empty()) {
      std::optional<int64_t> seq = ParseInt(resume);
      if (!seq || *seq < 0) {
        return InvalidArgument("Last-Event-ID must be a log sequence number, not " +
                               QuoteForMessage(resume, 40));
      }
      after = std::max(after, *seq);
    }
    // Each stream holds a worker for as long as it follows: bounded per token and in all.
    std::shared_ptr<void> slot = ctx.stream_slots.Take(request.actor);
    if (!slot) {
      ApiResponse busy = ErrorReply(
          {ErrorCode::kTooManyRequests,
           "too many log streams are open (for this token or in all); close one, or read the "
           "logs without following (?follow=false) and poll",
           {}});
      busy.headers.emplace_back("Retry-After", "5");
      return busy;
    }
    ApiResponse reply;
    reply.content_type = "text/event-stream";
    reply.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
    reply.stream = [&ctx, id, after, slot](const std::function<bool(std::string_view)>& write) {
      FollowLogs(ctx, id, after, write);
    };
    return reply;
  }
  store::LogQuery query{
      .execution_id = id,
      .after_sequence = after,
      .step_index = step >= 0 ? std::optional<int>(static_cast<int>(step)) : std::nullopt,
      .limit = static_cast<int>(limit)};
  FERRY_ASSIGN_OR_RETURN(auto lines, ctx.store.logs().Read(query));
  Json items = Json::array();
  for (const store::LogLine& line : lines) items.push_back(LogLineJson(line));
  int64_t next = lines.empty() ? after : lines.back().sequence;
  return JsonReply(200, {{"items", std::move(items)}, {"next", next}});
}

Result<ApiResponse> ListDeployments(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(
      RejectUnknownQuery(request, {"application", "service", "environment", "function", "execution",
                                   "state", "limit", "before"}));
  store::DeploymentFilter filter;
  FERRY_ASSIGN_OR_RETURN(filter.application, QueryName(request, "application"));
  FERRY_ASSIGN_OR_RETURN(filter.service, QueryName(request, "service"));
  FERRY_ASSIGN_OR_RETURN(filter.environment, QueryName(request, "environment"));
  FERRY_ASSIGN_OR_RETURN(filter.function, QueryName(request, "function"));
  FERRY_ASSIGN_OR_RETURN(filter.execution_id, QueryName(request, "execution"));
  FERRY_ASSIGN_OR_RETURN(filter.before_id, QueryName(request, "before"));
  FERRY_ASSIGN_OR_RETURN(auto state, QueryName(request, "state"));
  if (state) {
    filter.state = store::ParseDeploymentState(*state);
    if (!filter.state) {
      return InvalidArgument("unknown state " + QuoteForMessage(*state) +
                             "; expected succeeded, failed or rolled_back");
    }
  }
  FERRY_ASSIGN_OR_RETURN(int limit, ListLimit(request));
  ReadScope scope(ctx.store, request.principal);
  std::optional<std::string> next_id;
  auto deployments = VisiblePage<store::DeploymentRecord>(
      filter, limit, scope.All(),
      [&](const store::DeploymentFilter& f) { return ctx.store.deployments().List(f); },
      [&](const store::DeploymentRecord& d) {
        return scope.Environment(d.application, d.environment);
      },
      next_id);
  if (!deployments.ok())
    return ListError(deployments.error(), filter.before_id, "deployment record");
  Json next = next_id ? Json(*next_id) : Json(nullptr);
  Json items = Json::array();
  for (const store::DeploymentRecord& d : *deployments) items.push_back(DeploymentJson(d));
  return JsonReply(200, {{"items", std::move(items)}, {"next", std::move(next)}});
}

// The analyses of the execution's verify steps, oldest first (docs/api.md, "Verifications").
Result<ApiResponse> ExecutionVerifications(RouteContext& ctx, const ApiRequest& request,
                                           const std::string& id) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  auto execution = GetViewableExecution(ctx, request, id);
  if (!execution.ok()) return execution.error();
  FERRY_ASSIGN_OR_RETURN(auto records, ctx.store.verifications().List(id));
  Json items = Json::array();
  for (const store::VerificationRecord& v : records) {
    auto analysis = ParseJson(v.analysis_json);
    items.push_back({{"executionId", v.execution_id},
                     {"step", v.step_name},
                     {"mode", v.mode},
                     {"verdict", v.verdict},
                     {"passed", v.passed},
                     {"createdAt", FormatRfc3339(v.created_at)},
                     {"analysis", analysis.ok() ? *analysis : Json::object()}});
  }
  return JsonReply(200, {{"items", std::move(items)}});
}

}  // namespace

void AddExecutionRoutes(Router& router, RouteContext& ctx) {
  router.Add("GET", "/api/v1/executions", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListExecutions(ctx, r); });
  router.Add("GET", "/api/v1/executions/{id}", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams& p) {
               return GetExecutionRoute(ctx, r, p.at("id"));
             });
  router.Add("POST", "/api/v1/executions/{id}/abort", Permission::kDeploy,
             [&ctx](const ApiRequest& r, const PathParams& p) {
               return AbortExecution(ctx, r, p.at("id"));
             });
  router.Add("GET", "/api/v1/executions/{id}/logs", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams& p) {
               return ExecutionLogs(ctx, r, p.at("id"));
             });
  router.Add("GET", "/api/v1/executions/{id}/verifications", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams& p) {
               return ExecutionVerifications(ctx, r, p.at("id"));
             });
  router.Add("GET", "/api/v1/deployments", Permission::kView,
             [&ctx](const ApiRequest& r, const PathParams&) { return ListDeployments(ctx, r); });
}

}  // namespace ferry::api
