#include "aws/sts_client.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "aws/sigv4.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/xml.h"

namespace ferry::aws {
namespace {

constexpr std::string_view kApiVersion = "2011-06-15";

bool AllOf(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           extra.find(c) != std::string_view::npos;
  });
}

void AddParam(std::string& form, std::string_view name, std::string_view value) {
  form += "&" + std::string(name) + "=" + UriEncode(value, false);
}

ErrorCode MapStsCode(std::string_view code, int status) {
  if (code == "AccessDenied" || code == "AccessDeniedException") {
    return ErrorCode::kPermissionDenied;
  }
  if (code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" ||
      code == "ExpiredTokenException" || code == "InvalidIdentityToken" ||
      code == "IncompleteSignature" || code == "MissingAuthenticationToken" ||
      code == "UnrecognizedClientException") {
    return ErrorCode::kUnauthenticated;
  }
  if (code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
      status == 429) {
    return ErrorCode::kTooManyRequests;
  }
  if (code == "RegionDisabledException") return ErrorCode::kFailedPrecondition;
  if (code == "IDPCommunicationError") return ErrorCode::kUnavailable;
  if (code == "IDPRejectedClaim") return ErrorCode::kPermissionDenied;
  if (code == "ValidationError" || code == "MalformedPolicyDocument" ||
      code == "PackedPolicyTooLarge" || code == "InvalidParameterValue") {
    return ErrorCode::kInvalidArgument;
  }
  if (status >= 500) return ErrorCode::kUnavailable;
  if (status == 403) return ErrorCode::kPermissionDenied;
  if (status == 401) return ErrorCode::kUnauthenticated;
  return ErrorCode::kInvalidArgument;
}

bool IsRetryable(std::string_view code, int status) {
  return status >= 500 || status == 429 || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded" || code == "IDPCommunicationError";
}

std::string ChildText(const XmlElement& node, std::string_view name) {
  return std::string(node.ChildText(name));
}

}  // namespace

struct StsClient::Reply {
  std::string body;
  std::string request_id;
};

Status ValidateRoleArn(std::string_view arn) {
  // arn:<partition>:iam::<12-digit account>:role/<path/name>
  std::vector<std::string> fields = Split(arn, ':');
  bool ok = arn.size() >= 20 && arn.size() <= 2048 && fields.size() == 6 && fields[0] == "arn" &&
            fields[1].starts_with("aws") && fields[2] == "iam" && fields[3].empty() &&
            fields[4].size() == 12 &&
            std::all_of(fields[4].begin(), fields[4].end(),
                        [](char c) { return c >= '0' && c <= '9'; }) &&
            fields[5].starts_with("role/") && fields[5].size() > 5 && AllOf(fields[5], "+=,.@-/") &&
            AllOf(fields[1], "-");
  if (!ok) {
    return InvalidArgument("role ARN " + QuoteForMessage(arn, 100) +
                           " is not of the form arn:aws:iam::123456789012:role/name");
  }
  return Ok();
}

Status ValidateSessionName(std::string_view name) {
  if (name.size() < 2 || name.size() > 64 || !AllOf(name, "+=,.@-")) {
    return InvalidArgument("role session name " + QuoteForMessage(name, 70) +
                           " must be 2-64 characters of letters, digits and +=,.@-_");
  }
  return Ok();
}

namespace {

Status ValidateDuration(std::chrono::seconds d) {
  if (d < std::chrono::seconds(900) || d > std::chrono::seconds(43200)) {
    return InvalidArgument("role session duration must be between 900 and 43200 seconds");
  }
  return Ok();
}

// The request id of a success: the header, else <ResponseMetadata><RequestId> in the body.
std::string RequestIdFrom(const std::string& header, const XmlElement& response) {
  std::string id =
      header.empty() ? ChildText(response.Child("ResponseMetadata"), "RequestId") : header;
  if (id.size() > 128) id.resize(128);
  std::erase_if(id,
                [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '-'; });
  return id;
}

Result<AssumedRole> ParseAssumedRole(const std::string& body, const std::string& request_id,
                                     const char* response, const char* result,
                                     std::string_view source) {
  auto doc = XmlDocument::Parse(body);
  if (!doc.ok()) return Unavailable(std::string("sts: malformed ") + response + " XML");
  const XmlElement res = doc->Root(response).Child(result);
  const XmlElement c = res.Child("Credentials");
  AssumedRole out;
  out.credentials.access_key_id = ChildText(c, "AccessKeyId");
  out.credentials.secret_access_key = ChildText(c, "SecretAccessKey");
  out.credentials.session_token = ChildText(c, "SessionToken");
  out.credentials.source = std::string(source);
  // Register before anything can fail and mention them.
  SecretMasker::Global().Register(out.credentials.secret_access_key);
  SecretMasker::Global().Register(out.credentials.session_token);
  auto expiration = ParseRfc3339(ChildText(c, "Expiration"));
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      out.credentials.session_token.empty() || !expiration) {
    return Unavailable(std::string("sts: ") + response + " lacks credentials or their expiration");
  }
  out.credentials.expiration = *expiration;
  out.assumed_role_arn = ChildText(res.Child("AssumedRoleUser"), "Arn");
  out.assumed_role_id = ChildText(res.Child("AssumedRoleUser"), "AssumedRoleId");
  out.request_id = RequestIdFrom(request_id, doc->Root(response));
  return out;
}

}  // namespace

StsClient::StsClient(HttpTransport& transport, Clock& clock, StsConfig config)
    : transport_(transport), clock_(clock), config_(std::move(config)) {}

Result<StsClient::Reply> StsClient::Call(std::string_view action, const std::string& form,
                                         const Credentials* creds) {
  const std::string op = "sts " + std::string(action);
  Error last = Unavailable(op + ": no attempt made");
  bool skew_corrected = false;
  bool resend_now = false;
  for (int attempt = 1; attempt <= std::max(1, config_.max_attempts); ++attempt) {
    if (attempt > 1 && !std::exchange(resend_now, false)) {
      clock_.SleepFor(std::chrono::milliseconds(200) * (1 << (attempt - 2)));
    }
    HttpRequest request;
    request.method = "POST";
    request.url = config_.endpoint + "/";
    request.timeout = config_.timeout;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = "Action=" + std::string(action) + "&Version=" + std::string(kApiVersion) + form;
    const TimePoint signed_at = skew_.Corrected(clock_.Now());
    if (creds != nullptr) {
      SigningParams params;
      params.region = config_.region;
      params.service = "sts";
      params.time = signed_at;
      SignRequest(request, *creds, params);
    }
    auto response = transport_.Send(request);
    if (!response.ok()) {
      last = response.error().WithContext(op);
      continue;
    }
    std::string request_id = response->Header("x-amzn-requestid");
    if (response->status >= 200 && response->status < 300) {
      return Reply{std::move(response->body), std::move(request_id)};
    }
    std::string code, message;
    if (auto doc = XmlDocument::Parse(response->body); doc.ok()) {
      const XmlElement error = doc->Root("ErrorResponse").Child("Error");
      code = ChildText(error, "Code");
      message = ChildText(error, "Message");
      if (request_id.empty()) request_id = ChildText(doc->Root("ErrorResponse"), "RequestId");
    }
    if (code.empty()) code = "HTTP" + std::to_string(response->status);
    if (creds != nullptr && !skew_corrected &&
        skew_.AdjustFrom(code, message, *response, signed_at, clock_.Now())) {
      // Refused for the signing time (see clock_skew.h): re-sign and resend at once, once.
      skew_corrected = true;
      resend_now = true;
      --attempt;
      continue;
    }
    last = Error{MapStsCode(code, response->status),
                 MaskSecrets(op + ": " + code + ": " + QuoteForMessage(message, 300) + " (HTTP " +
                             std::to_string(response->status) + ", request id " +
                             (request_id.empty() ? "none" : request_id) + ")"),
                 {{"service", "sts"},
                  {"operation", std::string(action)},
                  {"aws_code", code},
                  {"aws_message", MaskSecrets(message)},
                  {"http_status", std::to_string(response->status)},
                  {"request_id", request_id}}};
    if (!IsRetryable(code, response->status)) return last;
  }
  return last;
}

Result<CallerIdentity> StsClient::GetCallerIdentity(const Credentials& creds) {
  FERRY_ASSIGN_OR_RETURN(Reply reply, Call("GetCallerIdentity", "", &creds));
  auto doc = XmlDocument::Parse(reply.body);
  if (!doc.ok()) return Unavailable("sts GetCallerIdentity: malformed XML response");
  const XmlElement res = doc->Root("GetCallerIdentityResponse").Child("GetCallerIdentityResult");
  CallerIdentity out{ChildText(res, "Account"), ChildText(res, "Arn"), ChildText(res, "UserId"),
                     RequestIdFrom(reply.request_id, doc->Root("GetCallerIdentityResponse"))};
  if (out.account.empty() || out.arn.empty()) {
    return Unavailable("sts GetCallerIdentity: response lacks Account or Arn");
  }
  return out;
}

Result<AssumedRole> StsClient::AssumeRole(const Credentials& source,
                                          const AssumeRoleRequest& request) {
  FERRY_RETURN_IF_ERROR(ValidateRoleArn(request.role_arn));
  FERRY_RETURN_IF_ERROR(ValidateSessionName(request.session_name));
  FERRY_RETURN_IF_ERROR(ValidateDuration(request.duration));
  std::string form;
  AddParam(form, "RoleArn", request.role_arn);
  AddParam(form, "RoleSessionName", request.session_name);
  AddParam(form, "DurationSeconds", std::to_string(request.duration.count()));
  if (request.external_id) {
    if (request.external_id->size() < 2 || request.external_id->size() > 1224 ||
        !AllOf(*request.external_id, "+=,.@:/-")) {
      return InvalidArgument(
          "external id must be 2-1224 characters of letters, digits and "
          "+=,.@:/-_");
    }
    AddParam(form, "ExternalId", *request.external_id);
  }
  FERRY_ASSIGN_OR_RETURN(Reply reply, Call("AssumeRole", form, &source));
  return ParseAssumedRole(reply.body, reply.request_id, "AssumeRoleResponse", "AssumeRoleResult",
                          "assume-role");
}

Result<AssumedRole> StsClient::AssumeRoleWithWebIdentity(const WebIdentityRequest& request) {
  FERRY_RETURN_IF_ERROR(ValidateRoleArn(request.role_arn));
  FERRY_RETURN_IF_ERROR(ValidateSessionName(request.session_name));
  FERRY_RETURN_IF_ERROR(ValidateDuration(request.duration));
  if (request.web_identity_token.size() < 4 || request.web_identity_token.size() > 20000) {
    return InvalidArgument("web identity token must be 4 to 20000 characters");
  }
  SecretMasker::Global().Register(request.web_identity_token);
  std::string form;
  AddParam(form, "RoleArn", request.role_arn);
  AddParam(form, "RoleSessionName", request.session_name);
  AddParam(form, "WebIdentityToken", request.web_identity_token);
  AddParam(form, "DurationSeconds", std::to_string(request.duration.count()));
  FERRY_ASSIGN_OR_RETURN(Reply reply, Call("AssumeRoleWithWebIdentity", form, nullptr));
  return ParseAssumedRole(reply.body, reply.request_id, "AssumeRoleWithWebIdentityResponse",
                          "AssumeRoleWithWebIdentityResult", "web-identity");
}

}  // namespace ferry::aws
