// AccessStore contract: accounts, sessions (hashed, expiring, idle timeout), groups, roles,
// bindings, the grants an account holds, token owners, and audit without hashes or secrets.
#include <algorithm>

#include "store_contract.h"

namespace ferry::store::testing {
namespace {

std::vector<std::string> Names(const std::vector<Account>& accounts) {
  std::vector<std::string> out;
  for (const Account& a : accounts) out.push_back(a.name);
  return out;
}

TEST_P(StoreContractTest, AccountsAreCreatedDisabledAndGivenPasswords) {
  AccessStore& access = store().access();
  auto alice = access.CreateAccount({.name = "alice", .password_hash = "$argon2id$h1"}, "root");
  ASSERT_TRUE(alice.ok()) << alice.error().ToString();
  EXPECT_EQ(alice->kind, AccountKind::kUser);
  EXPECT_TRUE(alice->has_password);
  EXPECT_FALSE(alice->disabled);
  EXPECT_EQ(alice->created_by, "root");
  FERRY_ASSERT_OK(access.CreateAccount({.name = "ci", .kind = AccountKind::kService}, "root"));
  EXPECT_EQ(access.CreateAccount({.name = "alice"}, "root").error().code, ErrorCode::kConflict);
  EXPECT_EQ(access.CreateAccount({.name = "ci"}, "root").error().code, ErrorCode::kConflict);
  EXPECT_EQ(access
                .CreateAccount({.name = "svc", .kind = AccountKind::kService, .password_hash = "h"},
                               "root")
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  for (const std::string& bad :
       {std::string(), std::string(257, 'a'), std::string("a\0b", 3), std::string("new\nline")}) {
    EXPECT_EQ(access.CreateAccount({.name = bad}, "root").error().code,
              ErrorCode::kInvalidArgument);
  }
  FERRY_ASSERT_OK(access.CreateAccount({.name = "Zoë 😀"}, "root"));

  Reopen();
  AccessStore& again = store().access();
  auto all = again.ListAccounts();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Names(*all), (std::vector<std::string>{"Zoë 😀", "alice", "ci"}));
  EXPECT_EQ(*again.PasswordHash("alice"), "$argon2id$h1");
  EXPECT_EQ(*again.PasswordHash("ci"), "");
  EXPECT_EQ(again.PasswordHash("nobody").error().code, ErrorCode::kNotFound);

  clock_.Advance(std::chrono::seconds(5));
  auto changed = again.SetPasswordHash("alice", "$argon2id$h2", "alice");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(*again.PasswordHash("alice"), "$argon2id$h2");
  EXPECT_EQ(again.SetPasswordHash("ci", "h", "root").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(again.SetPasswordHash("nobody", "h", "root").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(again.SetPasswordHash("alice", "", "root").error().code, ErrorCode::kInvalidArgument);

  auto disabled = again.SetDisabled("alice", true, "root");
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(again.GetAccount("alice")->disabled);
  FERRY_ASSERT_OK(again.SetDisabled("alice", false, "root"));
  EXPECT_FALSE(again.GetAccount("alice")->disabled);
  EXPECT_EQ(again.SetDisabled("nobody", true, "root").error().code, ErrorCode::kNotFound);

  // Audited, never with a hash.
  auto events = store().audit().List(AuditQuery{.subject_type = "account"});
  ASSERT_TRUE(events.ok());
  std::vector<std::string> actions;
  for (const AuditEvent& e : *events) {
    actions.push_back(e.actor + " " + e.action + " " + e.subject_id);
    EXPECT_EQ(e.details_json.find("argon2"), std::string::npos) << e.details_json;
  }
  EXPECT_EQ(actions, (std::vector<std::string>{
                         "root account.create alice", "root account.create ci",
                         "root account.create Zoë 😀", "alice account.set-password alice",
                         "root account.disable alice", "root account.enable alice"}));
}

TEST_P(StoreContractTest, SessionsExpireIdleOutAndEndWithPasswordChangesAndDisabling) {
  AccessStore& access = store().access();
  FERRY_ASSERT_OK(access.CreateAccount({.name = "alice", .password_hash = "h"}, "root"));
  const auto hour = std::chrono::hours(1);
  auto session = access.CreateSession({.account = "alice", .lifetime = 12 * hour});
  ASSERT_TRUE(session.ok()) << session.error().ToString();
  EXPECT_TRUE(session->secret.starts_with("frs_"));
  EXPECT_EQ(session->secret.size(), 68u);
  EXPECT_EQ(session->csrf_token.size(), 64u);
  EXPECT_NE(session->record.csrf_sha256, session->csrf_token);
  auto other = access.CreateSession({.account = "alice", .lifetime = 12 * hour});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->secret, session->secret);

  auto touched = access.TouchSession(session->secret, hour);
  ASSERT_TRUE(touched.ok()) << touched.error().ToString();
  EXPECT_EQ(touched->account, "alice");
  EXPECT_EQ(touched->csrf_sha256, session->record.csrf_sha256);
  // Idle: seen 50 minutes ago each time keeps it; 61 minutes without a request ends it.
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(std::chrono::minutes(50));
    FERRY_ASSERT_OK(access.TouchSession(session->secret, hour));
  }
  clock_.Advance(std::chrono::minutes(61));
  EXPECT_EQ(access.TouchSession(session->secret, hour).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(access.TouchSession(session->secret, 100 * hour).error().code,
            ErrorCode::kUnauthenticated);  // forgotten once found idle

  // Absolute expiry, whatever the idle timeout.
  auto fresh = access.CreateSession({.account = "alice", .lifetime = hour});
  ASSERT_TRUE(fresh.ok());
  clock_.Advance(std::chrono::minutes(30));
  FERRY_ASSERT_OK(access.TouchSession(fresh->secret, hour));
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_EQ(access.TouchSession(fresh->secret, 10 * hour).error().code,
            ErrorCode::kUnauthenticated);

  // Sign-out, password change and disabling end sessions.
  auto a = access.CreateSession({.account = "alice", .lifetime = hour});
  auto b = access.CreateSession({.account = "alice", .lifetime = hour});
  ASSERT_TRUE(a.ok() && b.ok());
  FERRY_ASSERT_OK(access.DeleteSession(a->secret));
  FERRY_ASSERT_OK(access.DeleteSession(a->secret));
  EXPECT_EQ(access.TouchSession(a->secret, hour).error().code, ErrorCode::kUnauthenticated);
  FERRY_ASSERT_OK(access.TouchSession(b->secret, hour));
  FERRY_ASSERT_OK(access.SetPasswordHash("alice", "h2", "alice"));
  EXPECT_EQ(access.TouchSession(b->secret, hour).error().code, ErrorCode::kUnauthenticated);
  auto c = access.CreateSession({.account = "alice", .lifetime = hour});
  ASSERT_TRUE(c.ok());
  FERRY_ASSERT_OK(access.SetDisabled("alice", true, "root"));
  EXPECT_EQ(access.TouchSession(c->secret, hour).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(access.CreateSession({.account = "alice", .lifetime = hour}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(access.CreateSession({.account = "nobody", .lifetime = hour}).error().code,
            ErrorCode::kNotFound);

  // Hostile secrets are simply unknown.
  for (const std::string& bad :
       {std::string(), std::string("frs_"), std::string(100000, 'x'), std::string("frs_\0", 5),
        std::string("frs_") + std::string(64, 'g')}) {
    EXPECT_EQ(access.TouchSession(bad, hour).error().code, ErrorCode::kUnauthenticated);
  }
}

TEST_P(StoreContractTest, GroupsRolesAndBindingsResolveToGrants) {
  AccessStore& access = store().access();
  FERRY_ASSERT_OK(access.CreateAccount({.name = "alice"}, "root"));
  FERRY_ASSERT_OK(access.CreateAccount({.name = "bob"}, "root"));

  auto roles = access.ListRoles();
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 3u);
  EXPECT_EQ((*roles)[0].name, "admin");
  EXPECT_TRUE((*roles)[0].builtin);
  EXPECT_EQ((*roles)[1].name, "deployer");
  EXPECT_EQ((*roles)[1].permissions, (std::vector<std::string>{"deploy", "rollback", "view"}));
  EXPECT_EQ((*roles)[2].permissions, (std::vector<std::string>{"view"}));
  EXPECT_EQ(access.PutRole("admin", {"view"}, "root").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(access.DeleteRole("viewer", "root").error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(access.PutRole("empty", {}, "root").error().code, ErrorCode::kInvalidArgument);
  auto releaser = access.PutRole("releaser", {"view", "deploy", "deploy"}, "root");
  ASSERT_TRUE(releaser.ok());
  EXPECT_EQ(releaser->permissions, (std::vector<std::string>{"deploy", "view"}));

  auto group = access.PutGroup("shop-team", {"bob", "alice"}, "root");
  ASSERT_TRUE(group.ok()) << group.error().ToString();
  EXPECT_EQ(group->members, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(access.PutGroup("g", {"nobody"}, "root").error().code, ErrorCode::kNotFound);

  auto direct = access.AddBinding({.role = "viewer", .account = "alice"}, "root");
  ASSERT_TRUE(direct.ok()) << direct.error().ToString();
  auto scoped = access.AddBinding({.role = "releaser",
                                   .group = "shop-team",
                                   .applications = {"shop"},
                                   .environment_types = {"non-production"}},
                                  "root");
  ASSERT_TRUE(scoped.ok()) << scoped.error().ToString();
  EXPECT_EQ(access.AddBinding({.role = "nope", .account = "alice"}, "root").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(access.AddBinding({.role = "viewer", .account = "nobody"}, "root").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(access.AddBinding({.role = "viewer", .group = "nogroup"}, "root").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(access.AddBinding({.role = "viewer"}, "root").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(access.AddBinding({.role = "viewer", .account = "alice", .group = "shop-team"}, "root")
                .error()
                .code,
            ErrorCode::kInvalidArgument);

  Reopen();
  AccessStore& again = store().access();
  auto grants = again.GrantsOf("alice");
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ((*grants)[0].role, "viewer");
  EXPECT_TRUE((*grants)[0].applications.empty());
  EXPECT_EQ((*grants)[1].role, "releaser");
  EXPECT_EQ((*grants)[1].permissions, (std::vector<std::string>{"deploy", "view"}));
  EXPECT_EQ((*grants)[1].applications, (std::vector<std::string>{"shop"}));
  EXPECT_EQ((*grants)[1].environment_types, (std::vector<std::string>{"non-production"}));
  EXPECT_EQ(again.GrantsOf("bob")->size(), 1u);
  EXPECT_TRUE(again.GrantsOf("nobody")->empty());

  EXPECT_EQ(again.DeleteRole("releaser", "root").error().code, ErrorCode::kFailedPrecondition);
  auto bindings = again.ListBindings();
  ASSERT_TRUE(bindings.ok());
  ASSERT_EQ(bindings->size(), 2u);
  EXPECT_EQ((*bindings)[0].id, direct->id);
  EXPECT_EQ((*bindings)[1].group, "shop-team");

  // Deleting the group deletes its bindings; then the role can go.
  FERRY_ASSERT_OK(again.DeleteGroup("shop-team", "root"));
  EXPECT_EQ(again.DeleteGroup("shop-team", "root").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(again.GrantsOf("alice")->size(), 1u);
  EXPECT_TRUE(again.GrantsOf("bob")->empty());
  FERRY_ASSERT_OK(again.DeleteRole("releaser", "root"));
  FERRY_ASSERT_OK(again.DeleteBinding(direct->id, "root"));
  EXPECT_EQ(again.DeleteBinding(direct->id, "root").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(again.GrantsOf("alice")->empty());

  auto events = store().audit().List(AuditQuery{.actor = "root", .limit = 1000});
  ASSERT_TRUE(events.ok());
  std::vector<std::string> actions;
  for (const AuditEvent& e : *events) actions.push_back(e.action);
  for (const char* action :
       {"role.put", "group.put", "binding.add", "group.delete", "role.delete", "binding.delete"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), action), actions.end()) << action;
  }
}

TEST_P(StoreContractTest, TokensBelongToAUserOrAServiceAccount) {
  // Without an owner: the service account named like the token, bound to its scope's role.
  auto ci = store().tokens().Issue({.name = "ci", .scopes = {"deploy"}}, "root");
  ASSERT_TRUE(ci.ok()) << ci.error().ToString();
  EXPECT_EQ(ci->record.owner, "ci");
  auto account = store().access().GetAccount("ci");
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(account->kind, AccountKind::kService);
  auto grants = store().access().GrantsOf("ci");
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0].role, "deployer");
  auto delegate = store().tokens().Issue({.name = "d1", .scopes = {"delegate"}}, "root");
  ASSERT_TRUE(delegate.ok());
  EXPECT_TRUE(store().access().GrantsOf("d1")->empty());

  // With an owner: a user's token, which stops working while the user is disabled.
  FERRY_ASSERT_OK(store().access().CreateAccount({.name = "alice"}, "root"));
  auto mine = store().tokens().Issue(
      {.name = "alice-laptop", .scopes = {"admin"}, .owner = "alice"}, "alice");
  ASSERT_TRUE(mine.ok()) << mine.error().ToString();
  EXPECT_EQ(mine->record.owner, "alice");
  EXPECT_TRUE(store().access().GrantsOf("alice")->empty());  // no role came with it
  EXPECT_EQ(store().tokens().Authenticate(mine->secret)->owner, "alice");
  FERRY_ASSERT_OK(store().access().SetDisabled("alice", true, "root"));
  EXPECT_EQ(store().tokens().Authenticate(mine->secret).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(store()
                .tokens()
                .Issue({.name = "x", .scopes = {"read"}, .owner = "alice"}, "root")
                .error()
                .code,
            ErrorCode::kFailedPrecondition);
  FERRY_ASSERT_OK(store().access().SetDisabled("alice", false, "root"));
  FERRY_ASSERT_OK(store().tokens().Authenticate(mine->secret));
  EXPECT_EQ(store()
                .tokens()
                .Issue({.name = "y", .scopes = {"read"}, .owner = "nobody"}, "root")
                .error()
                .code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace ferry::store::testing
