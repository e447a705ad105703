#include "sandbox/credentials.h"

#include "common/crypto.h"
#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox {
namespace {

bool IsAccountId(const std::string& id) {
  if (id.size() != 12) return false;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsAccessKeyId(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string RandomUpperAlnum(IdGenerator& ids, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string bytes = ids.RandomBytes(n);
  std::string out;
  for (unsigned char b : bytes) out.push_back(kAlphabet[b % 32]);
  return out;
}

}  // namespace

CredentialStore::CredentialStore(const Clock& clock) : clock_(clock) {}

Status CredentialStore::AddLongTermKey(const std::string& account_id,
                                       const std::string& access_key_id,
                                       const std::string& secret_access_key) {
  if (!IsAccountId(account_id)) {
    return InvalidArgument("account id " + QuoteForMessage(account_id) + " must be 12 digits");
  }
  if (!IsAccessKeyId(access_key_id)) {
    return InvalidArgument("access key id must be 1-128 letters and digits");
  }
  if (secret_access_key.empty() || secret_access_key.size() > 256) {
    return InvalidArgument("secret access key for " + access_key_id + " must be 1-256 characters");
  }
  // The documented default secret "test" is public; masking it would garble every log line
  // that contains the word.
  if (!(access_key_id == "test" && secret_access_key == "test")) {
    SecretMasker::Global().Register(secret_access_key);
  }
  Principal p;
  p.access_key_id = access_key_id;
  p.secret_access_key = secret_access_key;
  p.account_id = account_id;
  p.arn = "arn:aws:iam::" + account_id + ":root";
  p.user_id = account_id;
  std::lock_guard lock(mu_);
  keys_[access_key_id] = std::move(p);
  return Ok();
}

Status CredentialStore::AddFromSpec(const std::string& spec) {
  auto first = spec.find(':');
  auto second = first == std::string::npos ? first : spec.find(':', first + 1);
  if (second == std::string::npos) {
    return InvalidArgument("--account must be ACCOUNT_ID:ACCESS_KEY_ID:SECRET_ACCESS_KEY");
  }
  return AddLongTermKey(spec.substr(0, first), spec.substr(first + 1, second - first - 1),
                        spec.substr(second + 1));
}

Status CredentialStore::LoadConfigFile(const std::filesystem::path& path) {
  FERRY_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.error().WithContext("accounts file " + path.string());
  const Json& root = *parsed;
  auto context = [&](const Error& e) { return e.WithContext("accounts file " + path.string()); };
  if (!root.is_object() || !root.contains("accounts") || !root["accounts"].is_array()) {
    return InvalidArgument("accounts file " + path.string() +
                           ": expected {\"accounts\": [{\"id\": ..., \"keys\": [...]}]}");
  }
  for (const Json& account : root["accounts"]) {
    auto id = RequiredString(account, "id");
    if (!id.ok()) return context(id.error());
    if (!account.contains("keys") || !account["keys"].is_array()) {
      return InvalidArgument("accounts file " + path.string() + ": account " + *id +
                             " needs a \"keys\" array");
    }
    for (const Json& key : account["keys"]) {
      auto akid = RequiredString(key, "access_key_id");
      if (!akid.ok()) return context(akid.error());
      auto secret = RequiredString(key, "secret_access_key");
      if (!secret.ok()) return context(secret.error());
      Status added = AddLongTermKey(*id, *akid, *secret);
      if (!added.ok()) return context(added.error());
    }
  }
  return Ok();
}

Principal CredentialStore::IssueTemporary(const std::string& account_id, const std::string& arn,
                                          const std::string& user_id, std::chrono::seconds duration,
                                          IdGenerator& ids) {
  Principal p;
  p.access_key_id = "ASIA" + RandomUpperAlnum(ids, 16);
  p.secret_access_key = Base64Encode(ids.RandomBytes(30));
  p.session_token = "FQoGZXIvYXdzE" + Base64Encode(ids.RandomBytes(96));
  p.expiration = clock_.Now() + duration;
  p.account_id = account_id;
  p.arn = arn;
  p.user_id = user_id;
  SecretMasker::Global().Register(p.secret_access_key);
  SecretMasker::Global().Register(p.session_token);
  std::lock_guard lock(mu_);
  keys_[p.access_key_id] = p;
  return p;
}

std::variant<Principal, CredentialFailure> CredentialStore::Lookup(
    const std::string& access_key_id, const std::string& session_token) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(access_key_id);
  if (it == keys_.end()) return CredentialFailure::kUnknownKey;
  const Principal& p = it->second;
  if (p.session_token.empty()) {
    // AWS ignores nothing here: a session token sent with a long-term key is invalid.
    if (!session_token.empty()) return CredentialFailure::kInvalidToken;
    return p;
  }
  if (!ConstantTimeEquals(p.session_token, session_token)) return CredentialFailure::kInvalidToken;
  if (p.expiration && clock_.Now() >= *p.expiration) return CredentialFailure::kExpired;
  return p;
}

Json CredentialStore::TemporaryToJson() const {
  Json out = Json::array();
  std::lock_guard lock(mu_);
  for (const auto& [key, p] : keys_) {
    if (p.session_token.empty() || !p.expiration) continue;
    out.push_back({{"access_key_id", p.access_key_id},
                   {"secret_access_key", p.secret_access_key},
                   {"session_token", p.session_token},
                   {"expiration_ms", ToUnixMillis(*p.expiration)},
                   {"account_id", p.account_id},
                   {"arn", p.arn},
                   {"user_id", p.user_id}});
  }
  return out;
}

Status CredentialStore::RestoreTemporary(const Json& json) {
  if (!json.is_array()) return InvalidArgument("temporary credentials must be an array");
  std::lock_guard lock(mu_);
  for (const Json& item : json) {
    Principal p;
    FERRY_ASSIGN_OR_RETURN(p.access_key_id, RequiredString(item, "access_key_id"));
    FERRY_ASSIGN_OR_RETURN(p.secret_access_key, RequiredString(item, "secret_access_key"));
    FERRY_ASSIGN_OR_RETURN(p.session_token, RequiredString(item, "session_token"));
    FERRY_ASSIGN_OR_RETURN(p.account_id, RequiredString(item, "account_id"));
    FERRY_ASSIGN_OR_RETURN(p.arn, RequiredString(item, "arn"));
    FERRY_ASSIGN_OR_RETURN(p.user_id, RequiredString(item, "user_id"));
    FERRY_ASSIGN_OR_RETURN(auto expiration, OptionalInt(item, "expiration_ms"));
    if (!expiration) return InvalidArgument("temporary credential without expiration_ms");
    p.expiration = FromUnixMillis(*expiration);
    SecretMasker::Global().Register(p.secret_access_key);
    SecretMasker::Global().Register(p.session_token);
    keys_[p.access_key_id] = std::move(p);
  }
  return Ok();
}

}  // namespace ferry::sandbox
