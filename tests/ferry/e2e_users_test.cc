// Users and RBAC end to end: a real `ferry server` and `ferry sandbox`, and the real CLI —
// `ferry users create` and `ferry rbac bind` with an admin token, `ferry login` (password on
// stdin), then `ferry deploy` with the logged-in user's token: allowed where the user's binding
// covers the application, refused where it does not. Nothing is mocked.
#include <gmock/gmock.h>

#include <fstream>

#include "e2e_fixture.h"

namespace ferry::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAlicePassword[] = "alice's long passphrase";
constexpr char kBobPassword[] = "bob's other passphrase";

class UsersE2eTest : public DeployE2eTest {
 protected:
  // `ferry ARGS < stdin_file` through /bin/sh, with FERRY_SERVER and FERRY_TOKEN set.
  ChildProcess::Outcome Ferry(const std::string& args, const std::string& token,
                              const std::string& stdin_file = "/dev/null") {
    ProcessOptions options{{{"FERRY_SERVER", server_->url()}, {"FERRY_TOKEN", token}}, ""};
    return ChildProcess::Run({"/bin/sh", "-c", FerryBinary() + " " + args + " < " + stdin_file},
                             options);
  }

  std::string PasswordFile(const std::string& name, const std::string& password) {
    const std::string file = dir_.Sub(name);
    std::ofstream(file) << password << "\n";
    return file;
  }

  void ExpectNoPassword(const ChildProcess::Outcome& r) {
    for (const char* p : {kAlicePassword, kBobPassword}) {
      EXPECT_THAT(r.out, Not(HasSubstr(p)));
      EXPECT_THAT(r.err, Not(HasSubstr(p)));
    }
  }
};

TEST_F(UsersE2eTest, ALoggedInUserDeploysWhereTheirRoleAllowsAndIsRefusedElsewhere) {
  ASSERT_NO_FATAL_FAILURE(Apply(Entities({"orders"})));
  ASSERT_NO_FATAL_FAILURE(UploadBuild("api/api-1.zip", "b1"));
  const std::string admin = server_->token();
  const std::string alice_pw = PasswordFile("alice.pw", kAlicePassword);
  const std::string bob_pw = PasswordFile("bob.pw", kBobPassword);

  auto created = Ferry("users create alice", admin, alice_pw);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  ExpectNoPassword(created);
  ASSERT_EQ(Ferry("users create bob", admin, bob_pw).exit_code, 0);
  auto short_pw = Ferry("users create eve", admin, PasswordFile("eve.pw", "x1y2"));
  EXPECT_EQ(short_pw.exit_code, 1);
  EXPECT_THAT(short_pw.err, HasSubstr("too short"));
  auto listed = Ferry("users list", admin);
  EXPECT_THAT(listed.out, HasSubstr("alice\tuser\tenabled"));

  auto bind_alice =
      Ferry("rbac bind deployer --user alice --app shop --env-type non-production", admin);
  ASSERT_EQ(bind_alice.exit_code, 0) << bind_alice.err;
  ASSERT_EQ(Ferry("rbac bind deployer --user bob --app other", admin).exit_code, 0);
  auto bindings = Ferry("rbac bindings", admin);
  EXPECT_THAT(bindings.out, HasSubstr("user alice\tapps shop\tenvironment types non-production"));

  // Wrong password: refused, nothing printed on stdout.
  auto wrong = Ferry("login alice", "", bob_pw);
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.out, "");
  EXPECT_THAT(wrong.err, HasSubstr("wrong user name or password"));

  auto login = Ferry("login alice --token-name alice-e2e", "", alice_pw);
  ASSERT_EQ(login.exit_code, 0) << login.err;
  ExpectNoPassword(login);
  const std::string alice_token = login.out.substr(0, login.out.find('\n'));
  ASSERT_THAT(alice_token, ::testing::StartsWith("fry_"));
  EXPECT_THAT(login.err, HasSubstr("signed in as alice"));

  auto deployed =
      Ferry("deploy shop/api --env dev --s3 s3://artifacts/api/api-1.zip --wait", alice_token);
  EXPECT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(Routing("dev", "shop-orders-dev"), "1");

  auto bob_login = Ferry("login bob --token-name bob-e2e", "", bob_pw);
  ASSERT_EQ(bob_login.exit_code, 0) << bob_login.err;
  const std::string bob_token = bob_login.out.substr(0, bob_login.out.find('\n'));
  auto refused =
      Ferry("deploy shop/api --env dev --s3 s3://artifacts/api/api-1.zip --wait", bob_token);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("permission 'deploy' is needed for application \"shop\""));
  // bob may not manage users either, and the admin may disable him: his token stops.
  EXPECT_NE(Ferry("users list", bob_token).exit_code, 0);
  ASSERT_EQ(Ferry("users disable bob", admin).exit_code, 0);
  auto after = Ferry("executions", bob_token);
  EXPECT_NE(after.exit_code, 0);
  EXPECT_THAT(after.err, HasSubstr("refused the token"));

  // No password reached the server's output either.
  EXPECT_THAT(server_->process().output(), Not(HasSubstr(kAlicePassword)));
  EXPECT_THAT(server_->process().output(), Not(HasSubstr(kBobPassword)));
}

}  // namespace
}  // namespace ferry::test
