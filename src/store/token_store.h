// TokenStore: API tokens. The store generates each token's secret, returns it once, and keeps
// only its SHA-256 (tokens are 256-bit random, so a fast hash is enough: there is nothing to
// brute-force). Authenticate answers with the same kUnauthenticated for unknown, revoked and
// expired tokens, and for tokens whose owner is disabled. Creations and revocations are audited.
//
// Every token belongs to an account (store/access_store.h): a user, or a service account. A token
// issued without an owner belongs to the service account of its own name, which Issue creates
// when missing (in the same transaction), bound to the built-in role of the token's highest scope
// (admin -> admin, deploy -> deployer, read -> viewer; a delegate token's account gets no role).
// What a token may do is its owner's grants, capped by its scopes (api/permissions.h).
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

struct NewToken {
  std::string name;                 // unique among tokens, e.g. "ci-deployer"
  std::vector<std::string> scopes;  // e.g. "read", "deploy", "admin"
  std::optional<TimePoint> expires_at;
  std::string owner;  // an existing account; "" = the service account named like the token
  // A delegate token's delegate name: the only name it may register under. Unset: the first
  // name it registers with (BindDelegateName).
  std::optional<std::string> delegate_name;
};

struct TokenRecord {
  std::string id;
  std::string name;
  std::vector<std::string> scopes;  // sorted, unique
  std::string owner;                // the account it belongs to
  std::string created_by;
  TimePoint created_at;
  std::optional<TimePoint> expires_at;
  std::optional<TimePoint> last_used_at;  // refreshed at most once a minute
  std::optional<TimePoint> revoked_at;
  std::optional<std::string> revoked_by;
  std::optional<std::string> delegate_name;  // a delegate token's delegate, once bound
};

struct DelegateBinding {
  std::string delegate_name;  // the name the token is bound to
  bool bound_now = false;     // this call bound it
};

struct IssuedToken {
  TokenRecord record;
  std::string secret;  // "fry_" + 64 hex characters; shown once, stored nowhere
};

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  // kConflict when the name is taken (revoked tokens keep their names); kNotFound when `owner`
  // names no account, kFailedPrecondition when it is disabled.
  virtual Result<IssuedToken> Issue(const NewToken& token, const Actor& actor) = 0;
  // The token's record; kUnauthenticated when unknown, revoked or expired.
  virtual Result<TokenRecord> Authenticate(std::string_view secret) = 0;
  // kNotFound when no token has that name; revoking twice is a no-op.
  virtual Result<TokenRecord> Revoke(std::string_view name, const Actor& actor) = 0;
  // Ordered by name, revoked included.
  virtual Result<std::vector<TokenRecord>> List() = 0;
  // Binds the token named `token_name` to `delegate_name` unless it is bound already (of two
  // concurrent first bindings one wins), auditing the binding ("token.bind-delegate"). Returns
  // the name it is bound to. kNotFound when no token has that name.
  virtual Result<DelegateBinding> BindDelegateName(std::string_view token_name,
                                                   std::string_view delegate_name,
                                                   const Actor& actor) = 0;
};

}  // namespace ferry::store
