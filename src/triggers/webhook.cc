#include "triggers/webhook.h"

#include "common/crypto.h"
#include "common/json.h"

namespace ferry::triggers {
namespace {

constexpr int kMaxDepth = 8;
constexpr size_t kMaxFields = 200;
constexpr size_t kMaxValueBytes = 1024;

Error Unauthenticated(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message), {}};
}

std::string Header(const WebhookRequest& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// "sha256=<64 hex>" equal to the expected HMAC, in constant time.
bool SignatureMatches(const std::string& header, const std::string& key, const std::string& data) {
  constexpr std::string_view kPrefix = "sha256=";
  if (!header.starts_with(kPrefix) || header.size() != kPrefix.size() + 64) return false;
  std::string given = header.substr(kPrefix.size());
  for (char& c : given) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ConstantTimeEquals(given, HexEncode(HmacSha256(key, data)));
}

bool UsableName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

bool UsableValue(const std::string& value) {
  if (value.size() > kMaxValueBytes || value.find("${") != std::string::npos) return false;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

void Flatten(const Json& node, const std::string& path, int depth,
             std::map<std::string, std::string>& out) {
  if (out.size() >= kMaxFields) return;
  if (node.is_object()) {
    if (depth >= kMaxDepth) return;
    for (auto it = node.begin(); it != node.end() && out.size() < kMaxFields; ++it) {
      if (!UsableName(it.key())) continue;
      Flatten(it.value(), path + "." + it.key(), depth + 1, out);
    }
    return;
  }
  std::string text;
  if (node.is_string()) {
    text = node.get<std::string>();
  } else if (node.is_boolean() || node.is_number()) {
    text = DumpJson(node);
  } else {
    return;  // null, arrays
  }
  if (UsableValue(text)) out[path] = std::move(text);
}

}  // namespace

std::string GenericSignature(const std::string& key, const std::string& timestamp,
                             const std::string& body) {
  return "sha256=" + HexEncode(HmacSha256(key, timestamp + "." + body));
}

std::map<std::string, std::string> PayloadVariables(const std::string& json_object) {
  std::map<std::string, std::string> out;
  auto parsed = ParseJson(json_object);
  if (!parsed.ok() || !parsed->is_object()) return out;
  Flatten(*parsed, "trigger.payload", 0, out);
  return out;
}

Result<VerifiedWebhook> VerifyWebhook(const model::WebhookCondition& condition,
                                      const std::string& key, const WebhookRequest& request,
                                      TimePoint now) {
  if (request.body.size() > kMaxWebhookBodyBytes) {
    return Error{ErrorCode::kPayloadTooLarge,
                 "the webhook body is " + std::to_string(request.body.size()) +
                     " bytes; the limit is " + std::to_string(kMaxWebhookBodyBytes),
                 {}};
  }
  if (key.empty()) return Unauthenticated("the trigger's webhook secret is empty");
  VerifiedWebhook out;
  if (condition.type == model::WebhookType::kGeneric) {
    const std::string timestamp = Header(request, "x-ferry-timestamp");
    const std::string signature = Header(request, "x-ferry-signature");
    if (timestamp.empty() || signature.empty()) {
      return Unauthenticated(
          "sign the request: X-Ferry-Timestamp (Unix seconds) and X-Ferry-Signature "
          "(sha256=HMAC-SHA256 of TIMESTAMP.BODY in hex)");
    }
    if (!SignatureMatches(signature, key, timestamp + "." + request.body)) {
      return Unauthenticated("the signature does not match");
    }
    int64_t seconds = 0;
    if (timestamp.size() > 12 || timestamp.find_first_not_of("0123456789") != std::string::npos) {
      return Unauthenticated("X-Ferry-Timestamp must be Unix seconds");
    }
    seconds = std::stoll(timestamp);
    const TimePoint sent{std::chrono::seconds(seconds)};
    if (sent < now - kWebhookWindow || sent > now + kWebhookWindow) {
      return Unauthenticated(
          "the request's timestamp is more than 5 minutes from the server's "
          "time; send it again with a fresh timestamp and signature");
    }
    std::string hex = signature.substr(7);
    for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.fire_key = "generic:" + hex;
  } else {
    const std::string signature = Header(request, "x-hub-signature-256");
    if (signature.empty()) return Unauthenticated("missing X-Hub-Signature-256");
    if (!SignatureMatches(signature, key, request.body)) {
      return Unauthenticated("the signature does not match");
    }
    const std::string delivery = Header(request, "x-github-delivery");
    if (delivery.empty() || delivery.size() > 100 ||
        delivery.find_first_not_of("0123456789abcdefABCDEF-") != std::string::npos) {
      return Unauthenticated("missing or malformed X-GitHub-Delivery");
    }
    out.fire_key = "github:" + delivery;
    const std::string event = Header(request, "x-github-event");
    if (!event.empty() && event != "push") {
      out.start = false;
      out.reason = "event " + event.substr(0, 40) + " is not a push";
    }
  }
  auto parsed = ParseJson(request.body);
  if (!parsed.ok() || !parsed->is_object()) {
    return InvalidArgument("the webhook body must be a JSON object");
  }
  out.payload.clear();
  Flatten(*parsed, "trigger.payload", 0, out.payload);
  if (condition.type == model::WebhookType::kGithubPush && out.start && condition.branch) {
    auto ref = parsed->find("ref");
    const std::string want = "refs/heads/" + *condition.branch;
    if (ref == parsed->end() || !ref->is_string() || ref->get<std::string>() != want) {
      out.start = false;
      out.reason = "the push is not to branch " + *condition.branch;
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> RenderTriggerVariables(
    const std::map<std::string, std::string>& variables, const std::string& trigger_name,
    const std::map<std::string, std::string>& payload) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : variables) {
    std::string rendered;
    size_t at = 0;
    while (true) {
      size_t open = value.find("${trigger.", at);
      if (open == std::string::npos) {
        rendered += value.substr(at);
        break;
      }
      size_t close = value.find('}', open);
      if (close == std::string::npos) {
        rendered += value.substr(at);
        break;
      }
      rendered += value.substr(at, open - at);
      const std::string ref = value.substr(open + 2, close - open - 2);
      if (ref == "trigger.name") {
        rendered += trigger_name;
      } else if (auto it = payload.find(ref); it != payload.end()) {
        rendered += it->second;
      } else {
        return InvalidArgument("variable " + name + ": ${" + ref.substr(0, 200) +
                               "} is not a scalar field of the payload");
      }
      at = close + 1;
    }
    out[name] = std::move(rendered);
  }
  return out;
}

}  // namespace ferry::triggers
