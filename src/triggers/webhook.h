// Incoming webhooks: who may start a trigger (the signature is the authentication), replay
// protection, and the payload fields a trigger's variables may use. Pure; thread-safe.
//
//   generic      X-Ferry-Timestamp: Unix seconds; X-Ferry-Signature: sha256=<hex of
//                HMAC-SHA256(key, TIMESTAMP + "." + BODY)>. Refused when the timestamp is more
//                than 5 minutes from now; the signature is the fire key, so a replay inside
//                the window finds it claimed.
//   github-push  X-Hub-Signature-256: sha256=<hex of HMAC-SHA256(key, BODY)>; X-GitHub-Delivery
//                is the fire key (GitHub sends no timestamp); X-GitHub-Event ping is answered
//                without starting anything; pushes to another branch than `branch` are ignored.
// Order of checks: size (413), signature (401), JSON (400), so an unsigned caller learns
// nothing about what the body should be.
#pragma once

#include <map>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "model/entities.h"

namespace ferry::triggers {

inline constexpr size_t kMaxWebhookBodyBytes = size_t{256} * 1024;
inline constexpr auto kWebhookWindow = std::chrono::minutes(5);

struct WebhookRequest {
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
};

struct VerifiedWebhook {
  std::string fire_key;  // "generic:<signature>", "github:<delivery id>"
  bool start = true;     // false: valid but nothing to start (ping, another branch)
  std::string reason;    // why nothing starts
  // Scalar payload fields as "trigger.payload.a.b" → text (payload_variables.h's bounds).
  std::map<std::string, std::string> payload;
};

// kPayloadTooLarge, kUnauthenticated (missing/bad signature, stale timestamp, missing delivery
// id; the message never echoes a signature), kInvalidArgument (malformed JSON, not an object).
Result<VerifiedWebhook> VerifyWebhook(const model::WebhookCondition& condition,
                                      const std::string& key, const WebhookRequest& request,
                                      TimePoint now);

// The payload's scalar fields (strings, numbers, booleans) as "trigger.payload.PATH": at most
// 8 levels deep and 200 fields, names of [A-Za-z0-9_-], strings up to 1 KiB without control
// characters or "${" (so a payload cannot smuggle a template such as ${secrets.X}); anything
// else is left out. Arrays are left out.
std::map<std::string, std::string> PayloadVariables(const std::string& json_object);

// Replaces ${trigger.name}, ${trigger.payload.*} in each value; other templates stay. An
// unknown ${trigger.…} name is kInvalidArgument naming it.
Result<std::map<std::string, std::string>> RenderTriggerVariables(
    const std::map<std::string, std::string>& variables, const std::string& trigger_name,
    const std::map<std::string, std::string>& payload);

// What a sender puts in X-Ferry-Signature for `timestamp` and `body` ("sha256=<hex>").
std::string GenericSignature(const std::string& key, const std::string& timestamp,
                             const std::string& body);

}  // namespace ferry::triggers
