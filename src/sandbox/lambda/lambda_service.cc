#include "sandbox/lambda/lambda_service.h"

#include "common/crypto.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/front.h"
#include "sandbox/lambda/state.h"

namespace ferry::sandbox::lambda {
namespace {

using OpFn = OpResult (*)(LambdaService::State&, const OpContext&);

const std::map<std::string, OpFn>& Operations() {
  static const std::map<std::string, OpFn> ops = {
      {"CreateFunction", CreateFunction},
      {"GetFunction", GetFunction},
      {"GetFunctionConfiguration", GetFunctionConfiguration},
      {"UpdateFunctionCode", UpdateFunctionCode},
      {"UpdateFunctionConfiguration", UpdateFunctionConfiguration},
      {"PublishVersion", PublishVersion},
      {"ListVersionsByFunction", ListVersionsByFunction},
      {"ListFunctions", ListFunctions},
      {"DeleteFunction", DeleteFunction},
      {"CreateAlias", CreateAlias},
      {"GetAlias", GetAlias},
      {"UpdateAlias", UpdateAlias},
      {"DeleteAlias", DeleteAlias},
      {"ListAliases", ListAliases},
      {"TagResource", TagResource},
      {"UntagResource", UntagResource},
      {"ListTags", ListTags},
      {"GetAccountSettings", GetAccountSettings},
  };
  return ops;
}

// The member that carries the message in an error shape: most use "message", a few "Message".
std::string MessageMember(const std::string& code) {
  const Json& shape = LambdaModel::Get().Shape(code);
  if (shape.contains("members") && shape["members"].contains("Message")) return "Message";
  return "message";
}

Response RenderLambdaError(const WireError& error) {
  Json body = {{"Type", error.status >= 500 ? "Service" : "User"},
               {MessageMember(error.code), error.message}};
  for (const auto& [name, value] : error.fields) body[name] = value;
  Response r;
  r.status = error.status;
  r.headers = {{"Content-Type", "application/json"},
               {"x-amzn-RequestId", error.request_id},
               {"x-amzn-ErrorType", error.code}};
  for (const auto& header : error.headers) r.headers.push_back(header);
  r.body = DumpJson(body);
  return r;
}

WireError ToWireError(const Error& error, const std::string& request_id) {
  WireError wire;
  wire.request_id = request_id;
  auto code = error.details.find("aws_code");
  auto status = error.details.find("status");
  if (code != error.details.end()) {
    wire.code = code->second;
    wire.status = status != error.details.end() ? std::stoi(status->second) : 400;
  } else {
    wire.code = "ServiceException";
    wire.status = 500;
  }
  wire.message = error.message;
  for (const auto& [key, value] : error.details) {
    if (key.rfind("field.", 0) == 0) wire.fields.emplace_back(key.substr(6), value);
    if (key.rfind("header.", 0) == 0) wire.headers.emplace_back(key.substr(7), value);
  }
  return wire;
}

}  // namespace

Error ApiError(int status, const std::string& aws_code, const std::string& message) {
  Error e;
  e.code = status == 404   ? ErrorCode::kNotFound
           : status == 409 ? ErrorCode::kConflict
           : status == 412 ? ErrorCode::kFailedPrecondition
           : status == 429 ? ErrorCode::kTooManyRequests
           : status >= 500 ? ErrorCode::kInternal
                           : ErrorCode::kInvalidArgument;
  e.message = message;
  e.details["aws_code"] = aws_code;
  e.details["status"] = std::to_string(status);
  return e;
}

Error FunctionNotFound(const std::string& arn) {
  return ApiError(404, "ResourceNotFoundException", "Function not found: " + arn);
}

std::string FunctionKey(const std::string& account, const std::string& region,
                        const std::string& name) {
  return account + "/" + region + "/" + name;
}

std::string LambdaTimestamp(TimePoint t) {
  std::string text = FormatRfc3339(t);
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  return text + "+0000";
}

Response JsonResponse(int status, const Json& body, const std::string& request_id) {
  Response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}, {"x-amzn-RequestId", request_id}};
  r.body = DumpJson(body);
  return r;
}

std::string LambdaService::State::NewRevisionId() { return FormatUuid(ids.RandomBytes(16)); }

std::string LambdaService::State::Arn(const std::string& account, const std::string& region,
                                      const std::string& name) const {
  return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

void LambdaService::State::Settle(FunctionRecord& fn) {
  if (!fn.settle_at || clock.Now() < *fn.settle_at) return;
  fn.settle_at.reset();
  Json& c = fn.latest.config;
  for (const char* key :
       {"StateReason", "StateReasonCode", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"}) {
    c.erase(key);
  }
  if (fn.fail_reason) {
    // An injected failure: a create ends State Failed; an update ends LastUpdateStatus Failed
    // and $LATEST keeps serving what it served before (fn.serving stays).
    if (c.value("State", "") == "Pending") {
      c["State"] = "Failed";
      c["StateReason"] = *fn.fail_reason;
      c["StateReasonCode"] = "InternalError";
    }
    c["LastUpdateStatus"] = "Failed";
    c["LastUpdateStatusReason"] = *fn.fail_reason;
    c["LastUpdateStatusReasonCode"] = "InternalError";
    fn.fail_reason.reset();
  } else {
    c["State"] = "Active";
    c["LastUpdateStatus"] = "Successful";
    fn.serving.reset();
  }
  // AWS issues a new revision when the update completes.
  c["RevisionId"] = NewRevisionId();
  // A change like any other: the request that saw it is answered once it is on disk, so a
  // restarted sandbox keeps the RevisionId a client has seen.
  (void)Persist();
}

Result<FunctionRef> ResolveFunctionRef(const OpContext& ctx, const std::string& function_name,
                                       const std::string& qualifier_param) {
  FunctionRef ref;
  ref.account_id = ctx.caller.account_id;
  ref.region = ctx.region;
  std::vector<std::string> parts = Split(function_name, ':');
  std::string qualifier;
  if (parts.size() >= 7 && parts[0] == "arn") {
    // arn:aws:lambda:region:account:function:name[:qualifier]
    if (parts[2] != "lambda" || parts[5] != "function" || parts.size() > 8) {
      return ApiError(400, "InvalidParameterValueException",
                      "Invalid function ARN: " + function_name);
    }
    ref.region = parts[3];
    ref.account_id = parts[4];
    ref.name = parts[6];
    if (parts.size() == 8) qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {
    ref.account_id = parts[0];
    ref.name = parts[2];
    if (parts.size() == 4) qualifier = parts[3];
    if (parts.size() > 4) {
      return ApiError(400, "InvalidParameterValueException",
                      "Invalid function name: " + function_name);
    }
  } else if (parts.size() <= 2) {
    ref.name = parts[0];
    if (parts.size() == 2) qualifier = parts[1];
  } else {
    return ApiError(400, "InvalidParameterValueException",
                    "Invalid function name: " + function_name);
  }
  if (ref.region != ctx.region) {
    return ApiError(400, "InvalidParameterValueException",
                    "Region " + ref.region + " does not match the request's region " + ctx.region);
  }
  if (ref.account_id != ctx.caller.account_id) {
    return ApiError(403, "AccessDeniedException",
                    "User: " + ctx.caller.arn +
                        " is not authorized to access functions of "
                        "account " +
                        ref.account_id);
  }
  if (!qualifier.empty() && !qualifier_param.empty() && qualifier != qualifier_param) {
    return ApiError(400, "InvalidParameterValueException",
                    "The derived qualifier from the function name does not match the specified "
                    "qualifier.");
  }
  ref.qualifier = qualifier.empty() ? qualifier_param : qualifier;
  if (ref.name.empty()) {
    return ApiError(400, "InvalidParameterValueException", "Function name is empty");
  }
  return ref;
}

Result<FunctionRecord*> FindFunction(LambdaService::State& s, const FunctionRef& ref) {
  auto it = s.functions.find(FunctionKey(ref.account_id, ref.region, ref.name));
  if (it == s.functions.end()) {
    std::string arn = s.Arn(ref.account_id, ref.region, ref.name);
    return FunctionNotFound(ref.qualifier.empty() ? arn : arn + ":" + ref.qualifier);
  }
  s.Settle(it->second);
  return &it->second;
}

Result<VersionRecord*> FindVersion(LambdaService::State& s, FunctionRecord& fn,
                                   const std::string& qualifier) {
  if (qualifier.empty() || qualifier == "$LATEST") return &fn.latest;
  auto number = ParseInt(qualifier);
  if (number) {
    auto it = fn.versions.find(*number);
    if (it != fn.versions.end()) return &it->second;
  }
  return FunctionNotFound(s.Arn(fn.account_id, fn.region, fn.name) + ":" + qualifier);
}

Result<std::pair<size_t, size_t>> PageBounds(const Json& input, size_t n) {
  size_t start = 0;
  if (input.contains("Marker")) {
    auto marker = ParseInt(input["Marker"].get<std::string>());
    if (!marker || *marker < 0 || static_cast<size_t>(*marker) > n) {
      return ApiError(400, "InvalidParameterValueException", "Invalid Marker");
    }
    start = static_cast<size_t>(*marker);
  }
  size_t max_items = input.contains("MaxItems") ? input["MaxItems"].get<size_t>() : 50;
  return std::make_pair(start, std::min(n, start + max_items));
}

LambdaService::LambdaService(std::unique_ptr<State> state) : state_(std::move(state)) {}
LambdaService::~LambdaService() = default;

Result<std::unique_ptr<LambdaService>> LambdaService::Create(LambdaOptions options, Clock& clock,
                                                             IdGenerator& ids, MetricSink* metrics,
                                                             ObjectReader* objects,
                                                             runtime::Invoker* invoker) {
  LambdaModel::Get();  // parse the embedded model at start-up, not on the first request
  std::optional<std::filesystem::path> code_dir;
  if (options.data_dir) code_dir = *options.data_dir / "lambda" / "code";
  auto state = std::make_unique<State>(options, clock, ids, metrics, objects, invoker, code_dir);
  state->endpoint_url = options.endpoint_url;
  if (options.data_dir) {
    state->snapshot.emplace(*options.data_dir / "lambda" / "state.json");
    FERRY_ASSIGN_OR_RETURN(auto loaded, state->snapshot->Load());
    if (loaded) {
      Status restored = state->FromJson(*loaded);
      if (!restored.ok()) {
        return restored.error().WithContext("sandbox snapshot " + state->snapshot->path().string() +
                                            " is corrupt");
      }
    }
  }
  return std::unique_ptr<LambdaService>(new LambdaService(std::move(state)));
}

void LambdaService::SetEndpointUrl(const std::string& url) {
  std::lock_guard lock(state_->endpoint_mu);
  state_->endpoint_url = url;
}

std::string LambdaService::OperationName(const Request& request) {
  std::map<std::string, std::string> labels;
  const ModelOperation* op = LambdaModel::Get().Match(request.method, request.raw_path, labels);
  return op == nullptr ? "" : op->name;
}

Response LambdaService::RenderError(const Request&, const WireError& error) {
  return RenderLambdaError(error);
}

Response LambdaService::Handle(const Request& request, const Caller& caller) {
  std::string request_id = FormatUuid(state_->ids.RandomBytes(16));
  auto fail = [&](const Error& e) { return RenderLambdaError(ToWireError(e, request_id)); };
  const LambdaModel& model = LambdaModel::Get();
  std::map<std::string, std::string> labels;
  const ModelOperation* op = model.Match(request.method, request.raw_path, labels);
  if (op == nullptr) {
    return fail(ApiError(404, "UnknownOperationException", "Unknown operation"));
  }
  bool is_invoke = op->name == "Invoke";
  auto known = Operations().find(op->name);
  if (!is_invoke && known == Operations().end()) {
    return fail(
        ApiError(501, "UnsupportedOperation", "The sandbox does not implement " + op->name));
  }
  InputError input_error;
  auto input = model.BindInput(*op, request, labels, input_error);
  if (!input.ok()) {
    int status = input_error.code == "InvalidRequestContentException" ? 400 : 400;
    return fail(ApiError(status, input_error.code, input_error.message));
  }
  OpContext ctx{request, caller, *input, request_id,
                caller.region.empty() ? state_->options.default_region : caller.region};
  OpResult result = [&]() -> OpResult {
    if (is_invoke) {
      // Invoke takes the lock itself (not while the function runs); it may settle a function.
      auto changes = [&] {
        std::lock_guard lock(state_->mu);
        return state_->changes;
      };
      const uint64_t before = changes();
      OpResult out = Invoke(*state_, ctx);
      if (const uint64_t after = changes(); after != before) {
        FERRY_RETURN_IF_ERROR(state_->AwaitDurable(after));
      }
      return out;
    }
    uint64_t change = 0;
    OpResult done = [&] {
      std::lock_guard lock(state_->mu);
      const uint64_t before = state_->changes;
      OpResult out = known->second(*state_, ctx);
      if (state_->changes != before) change = state_->changes;
      return out;
    }();
    // A change is answered once it is on disk (group commit, State::AwaitDurable).
    if (change != 0) FERRY_RETURN_IF_ERROR(state_->AwaitDurable(change));
    return done;
  }();
  if (!result.ok()) return fail(result.error());
  return std::move(result).value();
}

Response LambdaService::ServeInvocationFaults(const Request& request) {
  return lambda::ServeInvocationFaults(state_->invocation_faults, request);
}

void LambdaService::CancelInjectedLatency() { state_->invocation_faults.Shutdown(); }

Response LambdaService::ServeCode(const Request& request) {
  std::string sha = request.path.substr(request.path.rfind('/') + 1);
  auto blob = state_->code.Get(sha);
  Response r;
  if (!blob.ok()) {
    r.status = 404;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"error":"no such code"})";
    return r;
  }
  r.headers = {{"Content-Type", "application/zip"}};
  r.body = **blob;
  return r;
}

}  // namespace ferry::sandbox::lambda
