// Sign-in and the caller's own session and tokens:
//   POST   /api/v1/session  (public) user name and password -> a session cookie and its CSRF
//                           token, or with "token": NAME an API token for the user instead
//   GET    /api/v1/session  who the caller is and what they may do
//   DELETE /api/v1/session  signs out (deletes the session)
//   POST   /api/v1/tokens   an API token for the calling user
// Passwords are checked with argon2id (common/password_hash.h), at most kConcurrentHashes at a
// time; unknown users cost the same (a decoy hash). Failed sign-ins are throttled per user name
// and client address, per user name and per client address, and every sign-in, success or failure,
// is audited (never with the password).
#include <semaphore>

#include "api/request_input.h"
#include "api/router.h"
#include "api/session_cookie.h"
#include "common/password_hash.h"
#include "common/secret_mask.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::api {
namespace {

// argon2id with 19 MiB per hash: bound the memory sign-ins take together.
constexpr std::ptrdiff_t kConcurrentHashes = 4;
std::counting_semaphore<kConcurrentHashes> hash_slots(kConcurrentHashes);

struct HashSlot {
  HashSlot() { hash_slots.acquire(); }
  ~HashSlot() { hash_slots.release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
};

constexpr int64_t kMaxTokenDays = 366;

void AuditSignIn(RouteContext& ctx, const ApiRequest& request, const std::string& user, bool ok,
                 std::string_view how) {
  Json details = {{"address", request.remote_address}, {"as", how}, {"ok", ok}};
  auto appended = ctx.store.audit().Append(
      store::AuditEntry{.actor = ok ? "user:" + user : std::string("anonymous"),
                        .action = ok ? "session.sign-in" : "session.sign-in-failed",
                        .subject_type = "account",
                        .subject_id = user,
                        .details_json = DumpJson(details)});
  (void)appended;  // the sign-in stands even when the audit log cannot be written
}

ApiResponse TooManyAttempts(std::chrono::seconds wait) {
  ApiResponse busy =
      ErrorReply({ErrorCode::kTooManyRequests,
                  "too many failed sign-ins; retry in " + std::to_string(wait.count()) + " s",
                  {}});
  busy.headers.emplace_back("Retry-After", std::to_string(wait.count()));
  return busy;
}

// One answer for an unknown user, a wrong password, a disabled account or a service account.
Error SignInRefused() {
  return Error{ErrorCode::kUnauthenticated, "wrong user name or password", {}};
}

Result<ApiResponse> SignIn(RouteContext& ctx, const ApiRequest& request) {
  const RouteContext::Sessions& settings = *ctx.sessions;
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, 64 * 1024));
  FERRY_RETURN_IF_ERROR(
      RejectUnknownFields(body, {"username", "password", "token", "tokenExpiresInDays"}));
  FERRY_ASSIGN_OR_RETURN(std::string user, RequiredString(body, "username"));
  FERRY_RETURN_IF_ERROR(CheckName("field 'username'", user));
  FERRY_ASSIGN_OR_RETURN(std::string password, RequiredString(body, "password"));
  if (password.empty() || password.size() > kMaxPasswordBytes) {
    return InvalidArgument("field 'password' must be 1 to " + std::to_string(kMaxPasswordBytes) +
                           " bytes");
  }
  FERRY_ASSIGN_OR_RETURN(auto token_name, OptionalString(body, "token"));
  if (token_name) FERRY_RETURN_IF_ERROR(CheckName("field 'token'", *token_name));
  int64_t token_days = 90;
  if (auto it = body.find("tokenExpiresInDays"); it != body.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > kMaxTokenDays) {
      return InvalidArgument("field 'tokenExpiresInDays' must be a whole number of days, 1 to " +
                             std::to_string(kMaxTokenDays));
    }
    if (!token_name) return InvalidArgument("'tokenExpiresInDays' goes with 'token'");
    token_days = it->get<int64_t>();
  }

  // Locked out: the same answer whether or not the user exists. Failures are counted per user
  // name and address (strict), per user name (high: it takes many addresses to reach, so one
  // attacker failing on purpose does not lock the user out of their own address) and per
  // address (one address guessing many names).
  const std::string& address =
      request.client_address.empty() ? request.remote_address : request.client_address;
  const std::string user_key = "user\x1f" + user;
  const std::string pair_key = user_key + "\x1f" + address;
  std::chrono::seconds wait(0);
  bool blocked = false;
  for (auto [throttle, key] :
       {std::pair{settings.by_user_address, &pair_key}, std::pair{settings.by_user, &user_key},
        std::pair{settings.by_address, &address}}) {
    if (auto w = throttle->Blocked(*key)) {
      blocked = true;
      wait = std::max(wait, *w);
    }
  }
  if (blocked) return TooManyAttempts(wait);

  std::string hash;
  bool may_sign_in = false;
  auto account = ctx.store.access().GetAccount(user);
  if (account.ok()) {
    may_sign_in = account->kind == store::AccountKind::kUser && !account->disabled;
    FERRY_ASSIGN_OR_RETURN(hash, ctx.store.access().PasswordHash(user));
  } else if (account.error().code != ErrorCode::kNotFound) {
    return account.error();
  }
  bool verified;
  {
    HashSlot slot;
    verified = VerifyPassword(hash.empty() ? DecoyPasswordHash() : hash, password);
  }
  if (!verified || hash.empty() || !may_sign_in) {
    settings.by_user_address->RecordFailure(pair_key);
    settings.by_user->RecordFailure(user_key);
    settings.by_address->RecordFailure(address);
    AuditSignIn(ctx, request, user, false, token_name ? "token" : "session");
    return SignInRefused();
  }

  if (token_name) {
    store::NewToken request_token{
        .name = *token_name,
        .scopes = {"admin"},
        .expires_at = ctx.clock.Now() + std::chrono::hours(24 * token_days),
        .owner = user};
    FERRY_ASSIGN_OR_RETURN(auto issued, ctx.store.tokens().Issue(request_token, "user:" + user));
    AuditSignIn(ctx, request, user, true, "token");
    return JsonReply(201, {{"user", user},
                           {"token", issued.secret},
                           {"name", issued.record.name},
                           {"expiresAt", FormatRfc3339(*issued.record.expires_at)}});
  }
  FERRY_ASSIGN_OR_RETURN(auto session, ctx.store.access().CreateSession(
                                           {.account = user, .lifetime = settings.lifetime}));
  AuditSignIn(ctx, request, user, true, "session");
  ApiResponse reply = JsonReply(201, {{"user", user},
                                      {"csrfToken", session.csrf_token},
                                      {"expiresAt", FormatRfc3339(session.record.expires_at)},
                                      {"idleTimeoutSeconds", settings.idle.count()}});
  reply.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + session.secret +
                                               "; Path=/api; HttpOnly; SameSite=Strict; Max-Age=" +
                                               std::to_string(settings.lifetime.count()) +
                                               (settings.secure_cookie ? "; Secure" : ""));
  return reply;
}

Json WhoAmI(const ApiRequest& request) {
  const Principal& p = request.principal;
  Json grants = Json::array();
  for (const Grant& g : p.grants) {
    grants.push_back({{"permissions", PermissionNames(g.permissions)},
                      {"applications", g.applications},
                      {"environmentTypes", g.environment_types}});
  }
  Json out = {{"account", p.account},
              {"kind", p.kind == PrincipalKind::kUser ? "user" : "service"},
              {"bySession", p.by_session},
              {"grants", grants}};
  out["token"] = p.token.empty() ? Json() : Json(p.token);
  return out;
}

Result<ApiResponse> SignOut(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  if (!request.principal.by_session) {
    return InvalidArgument(
        "this request did not come with a session cookie: there is no "
        "session to sign out of (revoke a token with `ferry token revoke`)");
  }
  std::string cookie_header = request.Header("cookie");
  for (const std::string& part : Split(cookie_header, ';')) {
    std::string_view item = Trim(part);
    if (item.starts_with(std::string(kSessionCookie) + "=")) {
      FERRY_RETURN_IF_ERROR(
          ctx.store.access().DeleteSession(item.substr(kSessionCookie.size() + 1)));
    }
  }
  auto appended =
      ctx.store.audit().Append(store::AuditEntry{.actor = request.actor,
                                                 .action = "session.sign-out",
                                                 .subject_type = "account",
                                                 .subject_id = request.principal.account});
  (void)appended;
  ApiResponse reply;
  reply.status = 204;
  reply.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) +
                                               "=; Path=/api; HttpOnly; SameSite=Strict; "
                                               "Max-Age=0" +
                                               (ctx.sessions->secure_cookie ? "; Secure" : ""));
  return reply;
}

// An API token for the calling user (not for service accounts: their tokens are made by an
// operator with `ferry token create`).
Result<ApiResponse> CreateOwnToken(RouteContext& ctx, const ApiRequest& request) {
  FERRY_RETURN_IF_ERROR(RejectUnknownQuery(request, {}));
  if (request.principal.kind != PrincipalKind::kUser) {
    return Error{ErrorCode::kPermissionDenied,
                 "only a user creates tokens through the API; a service account's tokens are "
                 "made with `ferry token create NAME --data DIR`",
                 {}};
  }
  FERRY_ASSIGN_OR_RETURN(Json body, ParseObjectBody(request, 64 * 1024));
  FERRY_RETURN_IF_ERROR(RejectUnknownFields(body, {"name", "scope", "expiresInDays"}));
  FERRY_ASSIGN_OR_RETURN(std::string name, RequiredString(body, "name"));
  FERRY_RETURN_IF_ERROR(CheckName("field 'name'", name));
  FERRY_ASSIGN_OR_RETURN(auto scope, OptionalString(body, "scope"));
  std::string scope_name = scope.value_or("admin");
  if (scope_name != "read" && scope_name != "deploy" && scope_name != "admin") {
    return InvalidArgument(
        "field 'scope' must be read, deploy or admin (a cap on the user's "
        "own permissions)");
  }
  int64_t days = 90;
  if (auto it = body.find("expiresInDays"); it != body.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > kMaxTokenDays) {
      return InvalidArgument("field 'expiresInDays' must be a whole number of days, 1 to " +
                             std::to_string(kMaxTokenDays));
    }
    days = it->get<int64_t>();
  }
  FERRY_ASSIGN_OR_RETURN(
      auto issued,
      ctx.store.tokens().Issue({.name = name,
                                .scopes = {scope_name},
                                .expires_at = ctx.clock.Now() + std::chrono::hours(24 * days),
                                .owner = request.principal.account},
                               request.actor));
  return JsonReply(201, {{"name", issued.record.name},
                         {"token", issued.secret},
                         {"scope", scope_name},
                         {"owner", issued.record.owner},
                         {"expiresAt", FormatRfc3339(*issued.record.expires_at)}});
}

}  // namespace

void AddSessionRoutes(Router& router, RouteContext& ctx) {
  router.AddPublic("POST", "/api/v1/session",
                   [&ctx](const ApiRequest& r, const PathParams&) { return SignIn(ctx, r); });
  router.AddAuthenticated("GET", "/api/v1/session",
                          [](const ApiRequest& r, const PathParams&) -> Result<ApiResponse> {
                            FERRY_RETURN_IF_ERROR(RejectUnknownQuery(r, {}));
                            return JsonReply(200, WhoAmI(r));
                          });
  router.AddAuthenticated(
      "DELETE", "/api/v1/session",
      [&ctx](const ApiRequest& r, const PathParams&) { return SignOut(ctx, r); });
  router.AddAuthenticated("POST", "/api/v1/tokens", [&ctx](const ApiRequest& r, const PathParams&) {
    return CreateOwnToken(ctx, r);
  });
}

}  // namespace ferry::api
