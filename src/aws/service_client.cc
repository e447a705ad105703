#include "aws/service_client.h"

#include "aws/sigv4.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/xml.h"

namespace ferry::aws {
namespace {

constexpr size_t kMaxErrorMessage = 512;

// "ResourceNotFoundException:http://internal.amazon.com/coral/..." or
// "aws.protocoltests#ComplexError" → the bare code.
std::string SanitizeCode(std::string_view code) {
  code = Trim(code);
  if (auto colon = code.find(':'); colon != std::string_view::npos) code = code.substr(0, colon);
  if (auto hash = code.rfind('#'); hash != std::string_view::npos) code = code.substr(hash + 1);
  std::string out;
  for (char c : code.substr(0, 128)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') {
      out += c;
    }
  }
  return out;
}

// Server text shown to users: printable, valid UTF-8, bounded.
std::string SanitizeText(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxErrorMessage)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  }
  if (!IsValidUtf8(out)) {
    std::string ascii;
    for (char c : out) ascii += (static_cast<unsigned char>(c) < 0x80) ? c : '?';
    out = std::move(ascii);
  }
  if (text.size() > kMaxErrorMessage) out += "...";
  return out;
}

void ParseJsonError(const HttpResponse& response, AwsErrorInfo& info) {
  auto parsed = ParseJson(response.body, JsonLimits{1 << 20, 16});
  if (!parsed.ok() || !parsed->is_object()) return;
  const Json& body = *parsed;
  auto str = [&](const char* key) -> std::string {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (info.code.empty()) info.code = SanitizeCode(str("__type"));
  if (info.code.empty()) info.code = SanitizeCode(str("code"));
  if (info.code.empty()) info.code = SanitizeCode(str("Code"));
  info.message = str("message");
  if (info.message.empty()) info.message = str("Message");
  if (info.message.empty()) info.message = str("errorMessage");
  // Lambda's TooManyRequestsException carries retryAfterSeconds as a string.
  if (auto it = body.find("retryAfterSeconds"); it != body.end()) {
    if (it->is_string()) {
      info.retry_after = ParseRetryAfterSeconds(it->get<std::string>());
    } else if (it->is_number()) {
      info.retry_after = ParseRetryAfterSeconds(std::to_string(it->get<double>()));
    }
  }
}

void ParseXmlError(const HttpResponse& response, AwsErrorInfo& info) {
  auto doc = XmlDocument::Parse(response.body);
  if (!doc.ok()) return;
  // rest-xml: <Error>…</Error>; query: <ErrorResponse><Error>…</Error><RequestId/></…>.
  const XmlElement root = doc->Root();
  XmlElement error = doc->Root("Error");
  if (!error) {
    error = root.Child("Error");
    if (!error) error = root.Child("Errors").Child("Error");  // EC2 style
  }
  if (!error) return;
  if (info.code.empty()) info.code = SanitizeCode(error.ChildText("Code"));
  info.message = error.ChildText("Message");
  std::string request_id(error.ChildText("RequestId"));
  if (request_id.empty()) request_id = root.ChildText("RequestId");
  if (request_id.empty()) request_id = root.ChildText("RequestID");
  if (info.request_id.empty()) info.request_id = request_id;
}

std::string DefaultCodeForStatus(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 413:
      return "RequestEntityTooLarge";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return "HTTP" + std::to_string(status);
  }
}

bool OneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (auto c : codes) {
    if (code == c) return true;
  }
  return false;
}

}  // namespace

ErrorCode MapAwsErrorCode(std::string_view code, int status) {
  if (OneOf(code, {"ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NoSuchVersion",
                   "ResourceNotFound", "NotFound", "NoSuchUpload", "ResourceNotFoundFault"})) {
    return ErrorCode::kNotFound;
  }
  if (OneOf(code,
            {"ResourceConflictException", "ResourceInUseException", "ConflictException",
             "OperationAbortedException", "BucketAlreadyExists", "BucketAlreadyOwnedByYou"})) {
    return ErrorCode::kConflict;
  }
  if (OneOf(code, {"PreconditionFailedException", "PreconditionFailed"})) {
    return ErrorCode::kFailedPrecondition;
  }
  if (IsThrottlingErrorCode(code)) return ErrorCode::kTooManyRequests;
  if (OneOf(code, {"AccessDenied", "AccessDeniedException", "KMSAccessDeniedException",
                   "UnauthorizedOperation", "AuthorizationError"})) {
    return ErrorCode::kPermissionDenied;
  }
  if (OneOf(code,
            {"UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
             "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "InvalidAccessKeyId",
             "MissingAuthenticationToken", "IncompleteSignature", "InvalidToken",
             "RequestTimeTooSkewed", "RequestExpired"})) {
    return ErrorCode::kUnauthenticated;
  }
  if (OneOf(code, {"RequestTooLargeException", "EntityTooLarge", "CodeStorageExceededException"})) {
    return ErrorCode::kPayloadTooLarge;
  }
  if (OneOf(code, {"ServiceException", "InternalFailure", "InternalError", "ServiceUnavailable",
                   "ServiceUnavailableException", "EC2UnexpectedException"})) {
    return ErrorCode::kUnavailable;
  }
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 412:
      return ErrorCode::kFailedPrecondition;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 429:
      return ErrorCode::kTooManyRequests;
    case 501:
      return ErrorCode::kUnimplemented;
    default:
      break;
  }
  if (status >= 500) return ErrorCode::kUnavailable;
  if (status >= 400) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

std::string RequestIdOf(const HttpResponse& response) {
  std::string id = response.Header("x-amzn-requestid");
  if (id.empty()) id = response.Header("x-amz-request-id");
  return SanitizeCode(id);
}

AwsErrorInfo ParseAwsError(Protocol protocol, const HttpResponse& response) {
  AwsErrorInfo info;
  info.http_status = response.status;
  info.request_id = response.Header("x-amzn-requestid");
  if (info.request_id.empty()) info.request_id = response.Header("x-amz-request-id");
  if (std::string type = response.Header("x-amzn-errortype"); !type.empty()) {
    info.code = SanitizeCode(type);
  }
  if (protocol == Protocol::kJson10 && info.code.empty()) {
    // awsQueryCompatible services put the query-protocol code here: "Code;Sender".
    info.code = SanitizeCode(Split(response.Header("x-amzn-query-error"), ';')[0]);
  }
  if (!response.body.empty() && response.body.size() <= (4u << 20)) {
    if (protocol == Protocol::kRestJson || protocol == Protocol::kJson10 ||
        protocol == Protocol::kJson11) {
      ParseJsonError(response, info);
    } else {
      ParseXmlError(response, info);
    }
  }
  if (auto header = ParseRetryAfterSeconds(response.Header("retry-after")); header.has_value()) {
    if (!info.retry_after.has_value() || *header > *info.retry_after) info.retry_after = header;
  }
  if (info.code.empty()) info.code = DefaultCodeForStatus(response.status);
  info.message = SanitizeText(info.message);
  info.request_id = SanitizeCode(info.request_id);
  return info;
}

std::string AwsCode(const Error& error) {
  auto it = error.details.find("aws_code");
  return it == error.details.end() ? std::string() : it->second;
}

int AwsHttpStatus(const Error& error) {
  auto it = error.details.find("http_status");
  if (it == error.details.end()) return 0;
  return static_cast<int>(ParseInt(it->second).value_or(0));
}

bool EarlierAttemptAmbiguous(const Error& error) {
  auto it = error.details.find("earlier_attempt_ambiguous");
  return it != error.details.end() && it->second == "true";
}

bool MayHaveTakenEffect(const Error& error) {
  if (error.details.count("aws_code") == 0 || error.details.at("aws_code").empty()) {
    return error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kDeadlineExceeded;
  }
  return AwsHttpStatus(error) >= 500;
}

ServiceClient::ServiceClient(ServiceConfig config, ServiceDeps deps)
    : config_(std::move(config)), deps_(deps) {}

Error ServiceClient::MakeError(std::string_view operation, const AwsErrorInfo& info) const {
  Error error;
  error.code = MapAwsErrorCode(info.code, info.http_status);
  error.message = StrCat({config_.service_name, " ", operation, ": ", info.code});
  if (!info.message.empty()) error.message += StrCat({": ", info.message});
  error.message += " (HTTP " + std::to_string(info.http_status);
  if (!info.request_id.empty()) error.message += StrCat({", request id ", info.request_id});
  error.message += ")";
  error.details = {{"service", config_.service_name},
                   {"operation", std::string(operation)},
                   {"aws_code", info.code},
                   {"aws_message", info.message},
                   {"http_status", std::to_string(info.http_status)},
                   {"request_id", info.request_id}};
  if (info.retry_after.has_value()) {
    error.details["retry_after_ms"] = std::to_string(info.retry_after->count());
  }
  return error;
}

Result<CallResult> ServiceClient::Call(const OperationCall& call, std::stop_token stop) {
  const bool s3 = config_.protocol == Protocol::kRestXml;
  const int max_attempts = std::max(1, config_.retry.max_attempts);
  bool ambiguous = false;
  bool skew_corrected = false;
  int retry_cost = 0;
  for (int attempt = 1;; ++attempt) {
    if (stop.stop_requested()) {
      return Error{ErrorCode::kCancelled,
                   StrCat({config_.service_name, " ", call.operation, ": cancelled"})};
    }
    auto creds = deps_.credentials.Resolve();
    if (!creds.ok()) {
      return creds.error().WithContext(
          StrCat({config_.service_name, " ", call.operation, ": resolving credentials"}));
    }
    const std::string& account = config_.account.empty() ? creds->access_key_id : config_.account;
    AdaptiveRateLimiter& limiter = deps_.limiters.For(account, config_.region, call.api_class);
    const std::optional<SteadyTime> admitted = limiter.Acquire(stop);
    if (!admitted.has_value()) {
      return Error{ErrorCode::kCancelled, StrCat({config_.service_name, " ", call.operation,
                                                  ": cancelled while rate limited"})};
    }

    HttpRequest request;
    request.method = call.method;
    request.url = (call.endpoint.empty() ? config_.endpoint : call.endpoint) + call.path_and_query;
    request.headers = call.headers;
    request.body = call.body;
    request.timeout = call.timeout.count() > 0 ? call.timeout : config_.timeout;
    const TimePoint signed_at = skew_.Corrected(deps_.clock.Now());
    SigningParams params{config_.region, config_.signing_name, signed_at, s3,
                         s3 && call.s3_unsigned_payload};
    SignRequest(request, *creds, params);

    Result<HttpResponse> sent = deps_.transport.Send(request);
    AttemptOutcome outcome;
    std::optional<Error> failure;
    std::optional<std::chrono::milliseconds> retry_after;
    if (!sent.ok()) {
      outcome.transport_error = sent.error().code;
      failure = sent.error().WithContext(StrCat({config_.service_name, " ", call.operation}));
    } else if (sent->body.size() > config_.max_response_bytes) {
      limiter.OnSuccess();
      return Error{ErrorCode::kPayloadTooLarge,
                   StrCat({config_.service_name, " ", call.operation, ": response of ",
                           std::to_string(sent->body.size()), " bytes is over the limit of ",
                           std::to_string(config_.max_response_bytes)})};
    } else if (sent->status >= 200 && sent->status < 300) {
      limiter.OnSuccess();
      deps_.retry_quota.OnSuccess(retry_cost);
      std::string request_id = RequestIdOf(*sent);
      return CallResult{std::move(sent).value(), std::move(request_id), attempt, ambiguous};
    } else {
      AwsErrorInfo info = ParseAwsError(config_.protocol, *sent);
      outcome.http_status = info.http_status;
      outcome.aws_code = info.code;
      retry_after = info.retry_after;
      if (!skew_corrected &&
          skew_.AdjustFrom(info.code, info.message, *sent, signed_at, deps_.clock.Now())) {
        // Refused for the signing time before anything was done: re-sign with the corrected
        // time and resend now. Not a retry (no attempt, no quota, no backoff); once per call.
        skew_corrected = true;
        limiter.OnSuccess();
        log::Warn("aws clock skew corrected",
                  {{"service", config_.service_name},
                   {"operation", call.operation},
                   {"offset_ms", std::to_string(skew_.offset().count())}});
        --attempt;
        continue;
      }
      failure = MakeError(call.operation, info);
    }

    FailureKind kind = Classify(outcome);
    const bool rejected_conflict =
        call.conflict_is_transient && outcome.aws_code == "ResourceConflictException";
    if (rejected_conflict) kind = FailureKind::kTransient;
    if (kind == FailureKind::kThrottling) {
      limiter.OnThrottled(*admitted);
    } else if (!outcome.transport_error.has_value()) {
      limiter.OnSuccess();
    }
    if (ambiguous) failure->details["earlier_attempt_ambiguous"] = "true";
    failure->details["attempts"] = std::to_string(attempt);

    // Throttling means the service rejected the request; anything else may have taken effect.
    const bool rejected = kind == FailureKind::kThrottling || rejected_conflict;
    const bool may_retry = kind != FailureKind::kNotRetryable && (call.retry_safe || rejected);
    if (!may_retry || attempt >= max_attempts) return *failure;
    int cost = 0;
    if (!deps_.retry_quota.Acquire(kind, &cost)) {
      failure->details["retry_quota_exhausted"] = "true";
      return *failure;
    }
    retry_cost = cost;
    if (!rejected) ambiguous = true;

    std::chrono::milliseconds delay = BackoffDelay(attempt, deps_.ids.NextUnit(), config_.retry);
    if (retry_after.has_value()) {
      delay = std::max(delay, std::min(*retry_after, config_.retry.max_retry_after));
    }
    log::Debug("aws call retried", {{"service", config_.service_name},
                                    {"operation", call.operation},
                                    {"attempt", std::to_string(attempt)},
                                    {"error", failure->details["aws_code"]},
                                    {"delay_ms", std::to_string(delay.count())}});
    if (delay.count() > 0 && !deps_.clock.SleepFor(delay, stop)) {
      return Error{ErrorCode::kCancelled, StrCat({config_.service_name, " ", call.operation,
                                                  ": cancelled while backing off"})};
    }
  }
}

}  // namespace ferry::aws
