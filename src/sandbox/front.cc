#include "sandbox/front.h"

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "sandbox/content_encoding.h"

namespace ferry::sandbox {

Response JsonReply(int status, const Json& body) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = DumpJson(body);
  return r;
}
namespace {

Response AdminError(int status, const std::string& message) {
  return JsonReply(status, Json{{"error", message}});
}

bool IsLoopback(const std::string& addr) {
  return addr == "127.0.0.1" || addr == "::1" || addr == "::ffff:127.0.0.1" ||
         addr.rfind("127.", 0) == 0;
}

// A Host header naming this machine: localhost or a name under .localhost (RFC 6761; S3
// virtual-hosted requests), an IPv4 loopback address or [::1], each with an optional port.
// Empty (HTTP/1.0) counts as loopback: there is no name to rebind.
bool IsLoopbackHost(std::string_view host) {
  if (host.empty()) return true;
  if (host.front() == '[') {
    size_t close = host.find(']');
    return close != std::string_view::npos && host.substr(1, close - 1) == "::1";
  }
  std::string name = ToLower(host.substr(0, host.find(':')));
  if (name == "localhost" || std::string_view(name).ends_with(".localhost")) return true;
  if (name.rfind("127.", 0) != 0) return false;
  return name.find_first_not_of("0123456789.") == std::string::npos;
}

// The Action parameter of a query-protocol request (query string or form body).
std::string QueryAction(const Request& request) {
  auto it = request.query.find("Action");
  if (it != request.query.end()) return it->second;
  if (request.Header("content-type").find("application/x-www-form-urlencoded") ==
      std::string::npos) {
    return "";
  }
  for (const std::string& pair : Split(request.body, '&')) {
    if (pair.rfind("Action=", 0) == 0) return pair.substr(7);
  }
  return "";
}

bool IsStsAction(const std::string& action) {
  return action == "GetCallerIdentity" || action == "AssumeRole" || action == "GetSessionToken" ||
         action == "AssumeRoleWithWebIdentity" || action == "AssumeRoleWithSAML" ||
         action == "GetAccessKeyInfo" || action == "GetFederationToken" ||
         action == "DecodeAuthorizationMessage";
}

// A gzip body that is malformed (400) or inflates past the limit (413), in each service's terms.
WireError ContentEncodingError(const std::string& signing_name, const Error& error) {
  WireError out;
  bool too_large = error.code == ErrorCode::kPayloadTooLarge;
  out.status = too_large ? 413 : 400;
  out.message = error.message;
  if (signing_name == "lambda") {
    out.code = too_large ? "RequestTooLargeException" : "InvalidRequestContentException";
  } else if (signing_name == "sts") {
    out.code = too_large ? "RequestEntityTooLarge" : "MalformedInput";
  } else {
    out.code = too_large ? "RequestEntityTooLarge" : "InvalidParameterValue";
  }
  return out;
}

}  // namespace

std::string FormatUuid(const std::string& random16) {
  std::string hex = HexEncode(random16.substr(0, 16));
  hex.resize(32, '0');
  hex[12] = '4';
  hex[16] = "89ab"[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Front::Front(FrontOptions options, Clock& clock, IdGenerator& ids,
             const CredentialStore& credentials, FaultInjector& faults)
    : options_(std::move(options)),
      clock_(clock),
      ids_(ids),
      authenticator_(credentials, clock),
      faults_(faults),
      quotas_(clock) {}

void Front::AddService(Service& service) {
  services_[std::string(service.signing_name())] = &service;
}

void Front::AddAdminRoute(const std::string& prefix, AdminHandler handler) {
  admin_routes_.emplace_back(prefix, std::move(handler));
}

std::string Front::NewRequestId() { return FormatUuid(ids_.RandomBytes(16)); }

Service* Front::FindService(const std::string& signing_name) const {
  auto it = services_.find(signing_name);
  return it == services_.end() ? nullptr : it->second;
}

std::string Front::RouteSigningName(const Request& request,
                                    const std::string& scope_service) const {
  if (!scope_service.empty()) return scope_service;
  std::string target = request.Header("x-amz-target");
  if (target.rfind("GraniteServiceVersion20100801", 0) == 0) return "monitoring";
  // lambda.us-east-1.amazonaws.com, sts.amazonaws.com, monitoring.localhost ...
  std::string host = ToLower(request.host.substr(0, request.host.rfind(':')));
  for (const std::string& label : Split(host, '.')) {
    if (label == "lambda" || label == "sts" || label == "monitoring" || label == "s3") {
      return label;
    }
  }
  std::string action = QueryAction(request);
  if (!action.empty()) return IsStsAction(action) ? "sts" : "monitoring";
  for (const char* prefix : {"/2015-03-31/", "/2016-08-19/", "/2017-03-31/", "/2017-10-31/",
                             "/2018-10-31/", "/2019-09-25/", "/2019-09-30/", "/2020-04-22/",
                             "/2020-06-30/", "/2021-10-31/", "/2014-11-13/"}) {
    if (request.path.rfind(prefix, 0) == 0) return "lambda";
  }
  return FindService("s3") != nullptr ? "s3" : "";
}

Response Front::Handle(const Request& request, const std::string& remote_addr) {
  // DNS rebinding: a web page in a local browser whose name was re-pointed at 127.0.0.1 reaches
  // the sandbox as a same-origin request, and could sign with the sandbox's well-known keys.
  // Its Host header still carries the page's name, so a loopback client must name a loopback
  // host. (Clients on other machines, when the sandbox listens on a public address, are not
  // checked.)
  if (IsLoopback(remote_addr) && !IsLoopbackHost(request.Header("host"))) {
    return AdminError(403, "the sandbox answers loopback clients only for Host localhost, "
                           "127.0.0.1 or [::1] (not " +
                               QuoteForMessage(request.Header("host"), 80) +
                               "): a request naming another host is refused (DNS rebinding)");
  }
  if (request.path.rfind("/_ferry/", 0) == 0) return HandleAdmin(request, remote_addr);

  auto parsed = ParseSignature(request);
  const aws::SignatureParts* scope = std::get_if<aws::SignatureParts>(&parsed);
  std::string signing_name = RouteSigningName(request, scope ? scope->service : "");
  Service* service = FindService(signing_name);
  if (service == nullptr) {
    // No service recognisable: answer like AWS's front door does for an unknown endpoint.
    Json body = {{"message", "The sandbox has no service for this request (signing name " +
                                 QuoteForMessage(signing_name) + ")"}};
    Response r = JsonReply(400, body);
    r.headers.emplace_back("x-amzn-ErrorType", "UnknownServiceException");
    return r;
  }

  auto fail = [&](WireError error) {
    error.request_id = NewRequestId();
    return service->RenderError(request, error);
  };

  Caller caller;
  if (std::holds_alternative<std::monostate>(parsed)) {
    return fail(AuthErrorFor(signing_name, {AuthFailureKind::kMissing, ""}));
  }
  if (const auto* failure = std::get_if<AuthFailure>(&parsed)) {
    return fail(AuthErrorFor(signing_name, *failure));
  }
  auto verified = authenticator_.Verify(request, *scope);
  if (const auto* failure = std::get_if<AuthFailure>(&verified)) {
    log::Debug(
        "sandbox request rejected",
        {{"service", signing_name}, {"key", scope->access_key_id}, {"reason", failure->detail}});
    return fail(AuthErrorFor(signing_name, *failure));
  }
  caller = std::get<Caller>(verified);

  std::string operation = service->OperationName(request);
  FaultDecision fault = faults_.Decide(signing_name, operation);
  if (fault.latency.count() > 0) clock_.SleepFor(fault.latency);
  if (fault.error) {
    WireError error;
    error.status = fault.error->status;
    error.code = fault.error->code;
    error.message = fault.error->message.empty()
                        ? "Injected fault for " + (operation.empty() ? "*" : operation)
                        : fault.error->message;
    if (error.code == "TooManyRequestsException") {
      error.fields = {{"Reason", "CallerRateLimitExceeded"}};
      error.headers = {{"Retry-After", "1"}};
    }
    return fail(error);
  }

  if (options_.enforce_quotas && signing_name == "lambda") {
    double rate = LambdaOperationRate(operation);
    std::string bucket = operation == "GetFunction" ? "GetFunction" : "ControlPlane";
    QuotaVerdict verdict = quotas_.Take(caller.account_id, bucket, rate);
    if (!verdict.allowed) {
      WireError error;
      error.status = 429;
      error.code = "TooManyRequestsException";
      error.message = "Rate exceeded";
      error.fields = {{"Reason", "CallerRateLimitExceeded"}, {"Type", "User"}};
      error.headers = {{"Retry-After", std::to_string(verdict.retry_after_seconds)}};
      return fail(error);
    }
  }
  bool gzip = signing_name != "s3" && HasGzipEncoding(request.Header("content-encoding"));
  if (!fault.outcome.empty() && !gzip) {
    Request decided = request;
    decided.fault_outcome =
        fault.outcome + (fault.outcome_message.empty() ? "" : ":" + fault.outcome_message);
    return service->Handle(decided, caller);
  }
  // A gzip body was signed as sent; inflate it now, after verification (S3 stores it as is).
  if (gzip) {
    auto inflated = InflateGzip(request.body, options_.max_inflated_body_bytes);
    if (!inflated.ok()) return fail(ContentEncodingError(signing_name, inflated.error()));
    Request decoded = request;
    if (!fault.outcome.empty()) {
      decoded.fault_outcome =
          fault.outcome + (fault.outcome_message.empty() ? "" : ":" + fault.outcome_message);
    }
    decoded.body = std::move(inflated).value();
    std::string rest = WithoutGzip(request.Header("content-encoding"));
    if (rest.empty()) {
      decoded.headers.erase("content-encoding");
    } else {
      decoded.headers["content-encoding"] = rest;
    }
    return service->Handle(decoded, caller);
  }
  return service->Handle(request, caller);
}

Response Front::HandleAdmin(const Request& request, const std::string& remote_addr) {
  if (!IsLoopback(remote_addr)) return AdminError(403, "the admin endpoint is loopback-only");
  // Loopback is not enough: a web page open in a local browser can POST here (a "simple"
  // cross-origin request needs no preflight). Browsers mark such requests with Origin or
  // Sec-Fetch-Site; the CLI, SDKs and tests send neither.
  const std::string site = request.Header("sec-fetch-site");
  if (!request.Header("origin").empty() || (!site.empty() && site != "none")) {
    return AdminError(403,
                      "the admin endpoint refuses requests from web pages (Origin or "
                      "Sec-Fetch-Site present); use curl, the AWS CLI or a script");
  }
  std::string rest = request.path.substr(std::string("/_ferry/").size());
  if (rest == "health") {
    if (request.method != "GET") return AdminError(405, "use GET");
    return Health();
  }
  if (rest == "faults") return HandleFaults(request);
  for (const auto& [prefix, handler] : admin_routes_) {
    if (rest.rfind(prefix, 0) == 0) return handler(request);
  }
  return AdminError(404, "no admin route " + QuoteForMessage(request.path));
}

Response Front::Health() {
  Json services = Json::array();
  for (const auto& [name, service] : services_) services.push_back(name);
  return JsonReply(200, Json{{"status", "ok"},
                             {"region", options_.region},
                             {"quotas", options_.enforce_quotas},
                             {"services", services}});
}

Response Front::HandleFaults(const Request& request) {
  auto list = [&] {
    Json rules = Json::array();
    for (const FaultRule& rule : faults_.Rules()) rules.push_back(FaultRuleToJson(rule));
    return JsonReply(200, Json{{"faults", rules}});
  };
  if (request.method == "GET") return list();
  if (request.method == "DELETE") {
    faults_.Clear();
    return list();
  }
  if (request.method != "POST" && request.method != "PUT") {
    return AdminError(405, "use GET, POST, PUT or DELETE");
  }
  JsonLimits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_depth = 8;
  auto body = ParseJson(request.body, limits);
  if (!body.ok()) return AdminError(400, body.error().message);
  // Either one rule, or {"faults": [...], "seed": N}. PUT replaces, POST appends.
  std::vector<FaultRule> rules;
  if (body->is_object() && body->contains("faults")) {
    const Json& items = (*body)["faults"];
    if (!items.is_array()) return AdminError(400, "field 'faults' must be an array");
    for (const Json& item : items) {
      auto rule = FaultRuleFromJson(item);
      if (!rule.ok()) return AdminError(400, rule.error().message);
      rules.push_back(*rule);
    }
  } else {
    auto rule = FaultRuleFromJson(*body);
    if (!rule.ok()) return AdminError(400, rule.error().message);
    rules.push_back(*rule);
  }
  if (body->is_object() && body->contains("seed")) {
    const Json& seed = (*body)["seed"];
    if (!seed.is_number_unsigned())
      return AdminError(400, "field 'seed' must be an unsigned integer");
    faults_.Reseed(seed.get<uint64_t>());
  }
  if (request.method == "PUT") faults_.Clear();
  for (FaultRule& rule : rules) faults_.Add(std::move(rule));
  return list();
}

}  // namespace ferry::sandbox
