// Sign-in, sessions, CSRF, sign-in throttling, users and RBAC routes over HTTP, with hostile
// input: oversized, unicode, NUL bytes, wrong types, duplicate keys.
#include "api_fixture.h"
#include "common/password_hash.h"

namespace ferry::api::testing {
namespace {

constexpr const char* kPassword = "correct horse battery";

class SessionTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    Reply created = Post("/api/v1/users", Json{{"name", "alice"}, {"password", kPassword}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
  }

  // `from`: the client address a trusted proxy (the test's 127.0.0.1) forwards.
  Reply SignIn(const std::string& body, const std::string& from = "") {
    httplib::Headers headers;
    if (!from.empty()) headers.emplace("X-Forwarded-For", from);
    return ToReply(client_->Post("/api/v1/session", headers, body, "application/json"));
  }

  static std::string Cookie(const Reply& reply) {
    std::string set = reply.Header("Set-Cookie");
    return set.substr(0, set.find(';'));
  }
};

TEST_F(SessionTest, SignInSetsAStrictHttpOnlyCookieAndSignOutEndsIt) {
  Reply in = SignIn(Json{{"username", "alice"}, {"password", kPassword}}.dump());
  ASSERT_EQ(in.status, 201) << in.body;
  std::string set = in.Header("Set-Cookie");
  EXPECT_NE(set.find("ferry_session=frs_"), std::string::npos) << set;
  EXPECT_NE(set.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(set.find("Secure"), std::string::npos);  // plain HTTP here
  std::string csrf = in.json["csrfToken"];
  EXPECT_EQ(csrf.size(), 64u);
  EXPECT_EQ(in.body.find(kPassword), std::string::npos);

  // No role yet: signed in, but may do nothing but look at itself.
  httplib::Headers cookie{{"Cookie", Cookie(in)}};
  Reply me = ToReply(client_->Get("/api/v1/session", cookie));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json["account"], "alice");
  EXPECT_EQ(me.json["bySession"], true);
  EXPECT_EQ(ToReply(client_->Get("/api/v1/executions", cookie)).status, 403);

  ASSERT_EQ(Post("/api/v1/role-bindings", R"({"role":"admin","user":"alice"})").status, 201);
  EXPECT_EQ(ToReply(client_->Get("/api/v1/executions", cookie)).status, 200);

  // Unsafe methods by cookie need the CSRF token; bearer tokens need none.
  Reply put_no_csrf =
      ToReply(client_->Put("/api/v1/groups/ops", cookie, R"({"members":[]})", "application/json"));
  EXPECT_EQ(put_no_csrf.status, 403) << put_no_csrf.body;
  EXPECT_NE(put_no_csrf.body.find("CSRF"), std::string::npos);
  httplib::Headers wrong = cookie;
  wrong.emplace("X-CSRF-Token", std::string(64, 'a'));
  EXPECT_EQ(
      ToReply(client_->Put("/api/v1/groups/ops", wrong, R"({"members":[]})", "application/json"))
          .status,
      403);
  httplib::Headers right = cookie;
  right.emplace("X-CSRF-Token", csrf);
  EXPECT_EQ(ToReply(client_->Put("/api/v1/groups/ops", right, R"({"members":["alice"]})",
                                 "application/json"))
                .status,
            200);
  EXPECT_EQ(Put("/api/v1/groups/ops2", R"({"members":[]})").status, 200);  // bearer, no CSRF

  Reply out = ToReply(client_->Delete("/api/v1/session", right));
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.Header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(ToReply(client_->Get("/api/v1/session", cookie)).status, 401);

  // Audited without the password: the sign-in, the group change, the sign-out.
  auto events = store_->audit().List({.limit = 1000});
  ASSERT_TRUE(events.ok());
  std::vector<std::string> actions;
  for (const auto& e : *events) {
    EXPECT_EQ(e.details_json.find(kPassword), std::string::npos);
    EXPECT_EQ(e.details_json.find("argon2"), std::string::npos);
    actions.push_back(e.actor + " " + e.action);
  }
  for (const char* want :
       {"user:alice session.sign-in", "user:alice group.put", "user:alice session.sign-out",
        "token:tester account.create", "token:tester binding.add"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), want), actions.end()) << want;
  }
}

TEST_F(SessionTest, WrongPasswordsUnknownUsersAndLockoutsLookAlike) {
  Reply wrong = SignIn(Json{{"username", "alice"}, {"password", "not the password"}}.dump());
  Reply unknown = SignIn(Json{{"username", "mallory"}, {"password", "not the password"}}.dump());
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.json["error"]["message"], unknown.json["error"]["message"]);
  // Four more failures lock each name; the locked answer does not depend on existence.
  for (int i = 0; i < 4; ++i) {
    SignIn(Json{{"username", "alice"}, {"password", "nope nope nope"}}.dump());
    SignIn(Json{{"username", "mallory"}, {"password", "nope nope nope"}}.dump());
  }
  Reply locked = SignIn(Json{{"username", "alice"}, {"password", kPassword}}.dump());
  Reply locked_unknown = SignIn(Json{{"username", "mallory"}, {"password", kPassword}}.dump());
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked_unknown.status, 429);
  EXPECT_FALSE(locked.Header("Retry-After").empty());
  EXPECT_EQ(locked.json["error"]["message"].get<std::string>().substr(0, 24),
            locked_unknown.json["error"]["message"].get<std::string>().substr(0, 24));
  EXPECT_EQ(locked.body.find("alice"), std::string::npos);
  auto failures = store_->audit().List({.actor = "anonymous", .limit = 1000});
  ASSERT_TRUE(failures.ok());
  EXPECT_EQ(failures->size(), 10u);
  for (const auto& e : *failures) {
    EXPECT_EQ(e.action, "session.sign-in-failed");
    EXPECT_EQ(e.details_json.find("nope"), std::string::npos);
  }
  // Another user from the same address is still served (the address allows 20).
  Reply created = Post("/api/v1/users", Json{{"name", "bob"}, {"password", kPassword}}.dump());
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(SignIn(Json{{"username", "bob"}, {"password", kPassword}}.dump()).status, 201);
}

TEST_F(SessionTest, HostileSignInAndUserInputIsRefusedClearly) {
  const std::vector<std::string> bodies = {
      "",
      "[]",
      "not json",
      R"({"username":"alice"})",
      R"({"password":"x"})",
      R"({"username":5,"password":"correct horse battery"})",
      R"({"username":"alice","password":["correct horse battery"]})",
      R"({"username":"alice","password":"correct horse battery","extra":1})",
      R"({"username":"alice","username":"bob","password":"correct horse battery"})",
      Json{{"username", std::string(300, 'a')}, {"password", kPassword}}.dump(),
      Json{{"username", std::string("ali\0ce", 6)}, {"password", kPassword}}.dump(),
      Json{{"username", "alice"}, {"password", std::string(5000, 'p')}}.dump(),
      Json{{"username", "alice"}, {"password", ""}}.dump(),
      Json{{"username", "alice"}, {"password", kPassword}, {"token", 7}}.dump(),
      Json{{"username", "alice"},
           {"password", kPassword},
           {"token", "t"},
           {"tokenExpiresInDays", 100000}}
          .dump(),
  };
  for (const std::string& body : bodies) {
    Reply reply = SignIn(body);
    EXPECT_EQ(reply.status, 400) << body << " -> " << reply.body;
    EXPECT_EQ(reply.body.find(kPassword), std::string::npos) << reply.body;
    EXPECT_EQ(reply.Header("Set-Cookie"), "");
  }
  // Users: a short, NUL-bearing or oversized password, a hostile name, a duplicate.
  const std::vector<std::string> users = {
      Json{{"name", "bob"}, {"password", "short"}}.dump(),
      Json{{"name", "bob"}, {"password", std::string("0123456789\0ab", 13)}}.dump(),
      Json{{"name", "bob"}, {"password", std::string(2000, 'x')}}.dump(),
      Json{{"name", std::string(257, 'b')}, {"password", kPassword}}.dump(),
      Json{{"name", "b\nob"}, {"password", kPassword}}.dump(),
      Json{{"name", 12}, {"password", kPassword}}.dump(),
      R"({"name":"bob","name":"eve","password":"correct horse battery"})",
  };
  for (const std::string& body : users) {
    Reply reply = Post("/api/v1/users", body);
    EXPECT_EQ(reply.status, 400) << body << " -> " << reply.body;
  }
  EXPECT_EQ(Post("/api/v1/users", Json{{"name", "alice"}, {"password", kPassword}}.dump()).status,
            409);
  Reply unicode =
      Post("/api/v1/users", Json{{"name", "Zoë 😀"}, {"password", "pässwörd 🔑🔑🔑"}}.dump());
  EXPECT_EQ(unicode.status, 201) << unicode.body;
  EXPECT_EQ(SignIn(Json{{"username", "Zoë 😀"}, {"password", "pässwörd 🔑🔑🔑"}}.dump()).status, 201);

  // Roles and bindings: unknown permissions and environment types, wrong types, built-ins.
  EXPECT_EQ(Put("/api/v1/roles/r", R"({"permissions":["fly"]})").status, 400);
  EXPECT_EQ(Put("/api/v1/roles/r", R"({"permissions":"view"})").status, 400);
  EXPECT_EQ(Put("/api/v1/roles/r", R"({"permissions":["delegate"]})").status, 400);
  EXPECT_EQ(Put("/api/v1/roles/admin", R"({"permissions":["view"]})").status, 412);
  EXPECT_EQ(Post("/api/v1/role-bindings",
                 R"({"role":"viewer","user":"alice","environmentTypes":["staging"]})")
                .status,
            400);
  EXPECT_EQ(Post("/api/v1/role-bindings", R"({"role":"viewer","user":"alice","group":"g"})").status,
            400);
  EXPECT_EQ(Post("/api/v1/role-bindings", R"({"role":"viewer","user":"nobody"})").status, 404);
  EXPECT_EQ(Put("/api/v1/groups/g", R"({"members":[1]})").status, 400);
  // Nothing above changed what alice may do.
  auto grants = store_->access().GrantsOf("alice");
  ASSERT_TRUE(grants.ok());
  EXPECT_TRUE(grants->empty());
}

TEST_F(SessionTest, SignInCanIssueATokenAndScopedBindingsLimitWhereItDeploys) {
  ApplySampleConfig();
  ASSERT_EQ(
      Post(
          "/api/v1/role-bindings",
          R"({"role":"deployer","user":"alice","applications":["shop"],"environmentTypes":["production"]})")
          .status,
      201);
  Reply in =
      SignIn(Json{{"username", "alice"}, {"password", kPassword}, {"token", "alice-ci"}}.dump());
  ASSERT_EQ(in.status, 201) << in.body;
  EXPECT_EQ(in.Header("Set-Cookie"), "");
  std::string token = in.json["token"];
  httplib::Headers auth{{"Authorization", "Bearer " + token}};
  // dev is non-production: the binding (production only) does not cover it.
  Reply deploy = ToReply(client_->Post(
      "/api/v1/deployments", auth,
      R"({"application":"shop","service":"orders","environment":"dev"})", "application/json"));
  EXPECT_EQ(deploy.status, 403) << deploy.body;
  EXPECT_NE(deploy.body.find("non-production"), std::string::npos) << deploy.body;
  ASSERT_EQ(
      Post(
          "/api/v1/role-bindings",
          R"({"role":"deployer","user":"alice","applications":["shop"],"environmentTypes":["non-production"]})")
          .status,
      201);
  deploy = ToReply(client_->Post("/api/v1/deployments", auth,
                                 R"({"application":"shop","service":"orders","environment":"dev"})",
                                 "application/json"));
  EXPECT_NE(deploy.status, 403) << deploy.body;
  EXPECT_NE(deploy.status, 401) << deploy.body;
  // Disabling alice stops her token at once.
  ASSERT_EQ(Post("/api/v1/users/alice/disable", "{}").status, 200);
  EXPECT_EQ(ToReply(client_->Get("/api/v1/executions", auth)).status, 401);
}

// Issue 18: counting failures per user name alone let anyone lock a known user out by failing
// on purpose. Now an address that fails 5 times for a user is refused for that user only; the
// user from their own address signs in. Only failures from many addresses together (past
// sign_in_failures_per_user) hold the name for everyone, as a last line against distributed
// guessing.
TEST_F(SessionTest, FailingOnPurposeFromOneAddressDoesNotLockTheUserOut) {
  ApiServerOptions options;
  options.trusted_proxies = {"127.0.0.1"};
  options.sign_in_failures_per_user = 13;
  StartServer(options);
  const std::string wrong = Json{{"username", "alice"}, {"password", "not the password"}}.dump();
  const std::string right = Json{{"username", "alice"}, {"password", kPassword}}.dump();
  const std::string unknown = Json{{"username", "mallory"}, {"password", "not it at all"}}.dump();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(SignIn(wrong, "203.0.113.66").status, 401);
    EXPECT_EQ(SignIn(unknown, "203.0.113.66").status, 401);
  }
  Reply attacker = SignIn(right, "203.0.113.66");
  Reply attacker_unknown = SignIn(unknown, "203.0.113.66");
  EXPECT_EQ(attacker.status, 429) << attacker.body;
  EXPECT_EQ(attacker_unknown.status, 429);
  EXPECT_EQ(attacker.json["error"]["message"], attacker_unknown.json["error"]["message"]);
  EXPECT_FALSE(attacker.Header("Retry-After").empty());
  // Alice, from her own address, is not locked out.
  EXPECT_EQ(SignIn(right, "198.51.100.7").status, 201);

  // From more addresses, at 13 failures for the name in all: the name is held everywhere,
  // known or not, with the same answer.
  for (const char* from : {"203.0.113.67", "203.0.113.68"}) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(SignIn(wrong, from).status, 401);
      EXPECT_EQ(SignIn(unknown, from).status, 401);
    }
  }
  Reply held = SignIn(right, "198.51.100.7");
  Reply held_unknown = SignIn(unknown, "198.51.100.8");
  EXPECT_EQ(held.status, 429) << held.body;
  EXPECT_EQ(held_unknown.status, 429);
  // Another user is served from any of those addresses (each has 8 or 10 failures of its 20).
  ASSERT_EQ(Post("/api/v1/users", Json{{"name", "bob"}, {"password", kPassword}}.dump()).status,
            201);
  EXPECT_EQ(
      SignIn(Json{{"username", "bob"}, {"password", kPassword}}.dump(), "203.0.113.67").status,
      201);
  // Without a trusted proxy X-Forwarded-For is ignored: every failure is 127.0.0.1's.
  StartServer({});
  for (int i = 0; i < 5; ++i)
    SignIn(Json{{"username", "bob"}, {"password", "wrong one"}}.dump(),
           "10.0.0." + std::to_string(i));
  EXPECT_EQ(SignIn(Json{{"username", "bob"}, {"password", kPassword}}.dump(), "10.0.0.9").status,
            429);
}

}  // namespace
}  // namespace ferry::api::testing
