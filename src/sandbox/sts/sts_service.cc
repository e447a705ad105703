#include "sandbox/sts/sts_service.h"

#include "common/crypto.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"
#include "common/time.h"
#include "common/xml.h"
#include "sandbox/front.h"
#include "sandbox/http_server.h"

namespace ferry::sandbox::sts {
namespace {

constexpr char kNamespace[] = "https://sts.amazonaws.com/doc/2011-06-15/";

std::string Param(const std::multimap<std::string, std::string>& params, const std::string& name) {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

// A query-protocol document: the root element with STS's namespace.
XmlWriter StsDocument(std::string_view root) {
  XmlWriter doc;
  doc.Open(root, {{"xmlns", kNamespace}});
  return doc;
}

Response XmlResponse(int status, XmlWriter& doc, const std::string& request_id) {
  Response r;
  r.status = status;
  r.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", request_id}};
  r.body = "<?xml version=\"1.0\"?>" + doc.Finish();
  return r;
}

WireError Error400(const std::string& code, const std::string& message) {
  WireError e;
  e.status = 400;
  e.code = code;
  e.message = message;
  return e;
}

// "arn:aws:iam::123456789012:role/path/name" -> account, role name; nullopt when not a role ARN.
std::optional<std::pair<std::string, std::string>> ParseRoleArn(const std::string& arn) {
  std::vector<std::string> parts = Split(arn, ':');
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4].size() != 12 ||
      parts[4].find_first_not_of("0123456789") != std::string::npos ||
      parts[5].rfind("role/", 0) != 0 || parts[5].size() <= 5) {
    return std::nullopt;
  }
  std::string role = parts[5].substr(parts[5].rfind('/') + 1);
  if (role.empty()) return std::nullopt;
  return std::make_pair(parts[4], role);
}

bool ValidSessionName(const std::string& name) {
  if (name.size() < 2 || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("_=,.@-").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::multimap<std::string, std::string> QueryParameters(const Request& request) {
  std::multimap<std::string, std::string> params = request.query;
  if (request.method == "POST" &&
      request.Header("content-type").find("application/x-www-form-urlencoded") !=
          std::string::npos) {
    for (auto& kv : ParseQueryString(request.body)) params.insert(kv);
  }
  return params;
}

Result<std::unique_ptr<StsService>> StsService::Create(
    CredentialStore& credentials, Clock& clock, IdGenerator& ids,
    std::optional<std::filesystem::path> data_dir) {
  std::optional<SnapshotFile> snapshot;
  if (data_dir) {
    snapshot.emplace(*data_dir / "sts" / "credentials.json");
    FERRY_ASSIGN_OR_RETURN(auto loaded, snapshot->Load());
    if (loaded) {
      if (!loaded->contains("temporary")) {
        return InvalidArgument("sandbox snapshot " + snapshot->path().string() +
                               " is corrupt: no \"temporary\" list");
      }
      Status restored = credentials.RestoreTemporary((*loaded)["temporary"]);
      if (!restored.ok()) {
        return restored.error().WithContext("sandbox snapshot " + snapshot->path().string() +
                                            " is corrupt");
      }
    }
  }
  return std::unique_ptr<StsService>(new StsService(credentials, clock, ids, std::move(snapshot)));
}

std::string StsService::OperationName(const Request& request) {
  return Param(QueryParameters(request), "Action");
}

Response StsService::RenderError(const Request&, const WireError& error) {
  XmlWriter doc = StsDocument("ErrorResponse");
  doc.Open("Error")
      .Element("Type", error.status >= 500 ? "Receiver" : "Sender")
      .Element("Code", error.code)
      .Element("Message", error.message)
      .Close()
      .Element("RequestId", error.request_id);
  Response r = XmlResponse(error.status, doc, error.request_id);
  for (const auto& header : error.headers) r.headers.push_back(header);
  return r;
}

Response StsService::Handle(const Request& request, const Caller& caller) {
  std::string request_id = FormatUuid(ids_.RandomBytes(16));
  auto params = QueryParameters(request);
  std::string action = Param(params, "Action");
  auto fail = [&](WireError e) {
    e.request_id = request_id;
    return RenderError(request, e);
  };
  if (action.empty()) return fail(Error400("MissingAction", "Missing Action"));
  std::string version = Param(params, "Version");
  if (version != "2011-06-15") {
    return fail(Error400("InvalidParameterValue",
                         "Could not find operation " + action + " for version " + version));
  }
  if (action == "GetCallerIdentity") return GetCallerIdentity(caller, request_id);
  if (action == "AssumeRole") return AssumeRole(params, caller, request_id);
  return fail(
      Error400("InvalidAction", "Could not find operation " + action + " for version 2011-06-15"));
}

Response StsService::GetCallerIdentity(const Caller& caller, const std::string& request_id) {
  auto principal = credentials_.Lookup(caller.access_key_id, "");
  std::string user_id = caller.account_id;
  // Temporary keys need their token for Lookup; the UserId of an assumed role is in its ARN.
  if (const auto* p = std::get_if<Principal>(&principal)) user_id = p->user_id;
  if (caller.arn.find(":assumed-role/") != std::string::npos) {
    std::string session = caller.arn.substr(caller.arn.rfind('/') + 1);
    user_id = "AROA" + Sha256Hex(caller.arn).substr(0, 17) + ":" + session;
    for (auto& c : user_id) {
      if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
    }
    user_id = "AROA" + user_id.substr(4);
  }
  XmlWriter doc = StsDocument("GetCallerIdentityResponse");
  doc.Open("GetCallerIdentityResult")
      .Element("Arn", caller.arn)
      .Element("UserId", user_id)
      .Element("Account", caller.account_id)
      .Close()
      .Open("ResponseMetadata")
      .Element("RequestId", request_id);
  return XmlResponse(200, doc, request_id);
}

Response StsService::AssumeRole(const std::multimap<std::string, std::string>& params,
                                const Caller&, const std::string& request_id) {
  auto fail = [&](const std::string& code, const std::string& message) {
    WireError e = Error400(code, message);
    e.request_id = request_id;
    return RenderError(Request{}, e);
  };
  std::string role_arn = Param(params, "RoleArn");
  std::string session = Param(params, "RoleSessionName");
  if (role_arn.empty()) {
    return fail("ValidationError",
                "1 validation error detected: Value null at 'roleArn' failed to satisfy "
                "constraint: Member must not be null");
  }
  if (session.empty()) {
    return fail("ValidationError",
                "1 validation error detected: Value null at 'roleSessionName' failed to satisfy "
                "constraint: Member must not be null");
  }
  if (!ValidSessionName(session)) {
    return fail("ValidationError",
                "1 validation error detected: Value '" + session +
                    "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy "
                    "regular expression pattern: [\\w+=,.@-]*");
  }
  auto role = ParseRoleArn(role_arn);
  if (!role) return fail("ValidationError", role_arn + " is invalid");
  int64_t duration = 3600;
  std::string duration_text = Param(params, "DurationSeconds");
  if (!duration_text.empty()) {
    auto parsed = ParseInt(duration_text);
    if (!parsed || *parsed < 900 || *parsed > 43200) {
      return fail("ValidationError",
                  "1 validation error detected: Value '" + duration_text +
                      "' at 'durationSeconds' failed to satisfy constraint: Member must have "
                      "value " +
                      (parsed && *parsed < 900 ? "greater than or equal to 900"
                                               : "less than or equal to 43200"));
    }
    duration = *parsed;
  }
  std::string assumed_arn =
      "arn:aws:sts::" + role->first + ":assumed-role/" + role->second + "/" + session;
  std::string role_id = "AROA" + HexEncode(ids_.RandomBytes(8)).substr(0, 17);
  for (auto& c : role_id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Principal p = credentials_.IssueTemporary(role->first, assumed_arn, role_id + ":" + session,
                                            std::chrono::seconds(duration), ids_);
  if (snapshot_) {
    std::lock_guard lock(save_mu_);
    Status saved = snapshot_->Save(Json{{"temporary", credentials_.TemporaryToJson()}});
    if (!saved.ok()) log::Error("cannot save sts state", {{"error", saved.error().message}});
  }
  XmlWriter doc = StsDocument("AssumeRoleResponse");
  doc.Open("AssumeRoleResult")
      .Open("AssumedRoleUser")
      .Element("AssumedRoleId", p.user_id)
      .Element("Arn", assumed_arn)
      .Close()
      .Open("Credentials")
      .Element("AccessKeyId", p.access_key_id)
      .Element("SecretAccessKey", p.secret_access_key)
      .Element("SessionToken", p.session_token)
      .Element("Expiration", FormatRfc3339(*p.expiration))
      .Close()
      .Close()
      .Open("ResponseMetadata")
      .Element("RequestId", request_id);
  return XmlResponse(200, doc, request_id);
}

}  // namespace ferry::sandbox::sts
