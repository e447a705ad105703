// `source: ferry` secrets over the REST API: values set, described (never shown), deleted and
// re-sealed under a new key; the keyring's key files; and what a stolen database holds.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "api/deploy_config.h"
#include "api/secret_box.h"
#include "api_fixture.h"
#include "common/crypto.h"

namespace ferry::api::testing {
namespace {

constexpr char kCanary[] = "ferry-canary-Vq8Rk2Lw";

std::string WriteKey(const ::ferry::test::TempDir& dir, const std::string& name, const std::string& text,
                     int mode = 0600) {
  auto path = dir.Write(name, text);
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
  return path.string();
}

std::string NewKeyFile(const ::ferry::test::TempDir& dir, const std::string& name) {
  const std::string path = (dir.path() / name).string();
  EXPECT_TRUE(SecretKeyring::CreateKeyFileIfMissing(path).ok());
  return path;
}

// Every file of the data directory, read whole, for a value in plain text.
bool InDataDir(const std::filesystem::path& dir, const std::string& needle) {
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(SecretKeyringTest, KeysComeFromPrivateFilesOrTheEnvironmentAndNeverShowInErrors) {
  ::ferry::test::TempDir dir;
  const std::string raw(32, 'k');
  EXPECT_TRUE(SecretKeyring::Load({WriteKey(dir, "raw.key", raw), ""}).ok());
  EXPECT_TRUE(SecretKeyring::Load({WriteKey(dir, "b64.key", Base64Encode(raw) + "\n"), ""}).ok());
  auto open = SecretKeyring::Load({WriteKey(dir, "open.key", raw, 0644), ""});
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);
  for (const std::string& bad : {std::string(31, 'k'), std::string(33, 'k'), std::string("short")}) {
    auto r = SecretKeyring::Load({WriteKey(dir, "bad.key", bad), ""});
    ASSERT_FALSE(r.ok()) << bad.size();
    EXPECT_EQ(r.error().message.find(bad), std::string::npos);
  }
  EXPECT_FALSE(SecretKeyring::Load({(dir.path() / "missing.key").string(), ""}).ok());
  ::setenv("FERRY_TEST_SECRET_KEY", Base64Encode(raw).c_str(), 1);
  auto env = SecretKeyring::Load({"", "FERRY_TEST_SECRET_KEY"});
  ASSERT_TRUE(env.ok());
  EXPECT_TRUE(env->configured());
  ::setenv("FERRY_TEST_SECRET_KEY", "bm90IDMyIGJ5dGVz", 1);
  auto bad_env = SecretKeyring::Load({"", "FERRY_TEST_SECRET_KEY"});
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.error().message.find("$FERRY_TEST_SECRET_KEY"), std::string::npos);
  ::unsetenv("FERRY_TEST_SECRET_KEY");
  // No key at all is fine (nothing of source ferry can be used); a previous key alone, or the
  // same key twice, is not.
  auto none = SecretKeyring::Load({"", "FERRY_TEST_SECRET_KEY"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->configured());
  const std::string key = WriteKey(dir, "k.key", raw);
  EXPECT_FALSE(SecretKeyring::Load({"", ""}, {key, ""}).ok());
  EXPECT_FALSE(SecretKeyring::Load({key, ""}, {key, ""}).ok());
  // The generated key file is private and loads.
  const std::string made = NewKeyFile(dir, "made.key");
  struct stat st {};
  ASSERT_EQ(::stat(made.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(SecretKeyring::Load({made, ""}).ok());
}

TEST(SecretKeyringTest, ASealedValueOpensOnlyUnderItsNameAndItsKey) {
  ::ferry::test::TempDir dir;
  auto a = SecretKeyring::Load({NewKeyFile(dir, "a.key"), ""}).value();
  auto b = SecretKeyring::Load({NewKeyFile(dir, "b.key"), ""}).value();
  auto sealed = a.Seal("db", kCanary);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find(kCanary), std::string::npos);
  store::SealedSecret s{"db", *sealed, a.current_id(), 1, {}, "t"};
  EXPECT_EQ(a.Open(s).value_or(""), kCanary);
  // Copied to another secret: does not open.
  store::SealedSecret moved = s;
  moved.name = "other";
  EXPECT_FALSE(a.Open(moved).ok());
  // A flipped byte: does not open.
  store::SealedSecret flipped = s;
  flipped.sealed[20] = static_cast<char>(flipped.sealed[20] ^ 1);
  EXPECT_FALSE(a.Open(flipped).ok());
  // Another key: says which key it needs.
  auto other = b.Open(s);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find(a.current_id()), std::string::npos);
}

class SecretValuesApiTest : public ApiServerTest {
 protected:
  void UseKey(const std::string& current, const std::string& previous = "") {
    auto ring = SecretKeyring::Load({current, ""}, {previous, ""});
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    secret_keys_ = std::move(*ring);
    StartServer();
  }
  void DeclareSecrets() {
    Reply r = Post("/api/v1/apply", R"({"entities": [
      {"kind": "Secret", "name": "db"},
      {"kind": "Secret", "name": "aliased", "source": "ferry", "ref": "shared-db"},
      {"kind": "Secret", "name": "from-env", "source": "env", "ref": "HOME"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  Result<std::string> Resolve(const std::string& name) {
    return deploy::ResolveSecret(store_->entities(), name, SecretPolicy{},
                                 {&store_->secret_values(), &secret_keys_});
  }
  ::ferry::test::TempDir keys_;
};

TEST_F(SecretValuesApiTest, WithoutAKeyNothingCanBeSetAndTheMessageSaysHowToConfigureOne) {
  ASSERT_NO_FATAL_FAILURE(DeclareSecrets());
  Reply r = Put("/api/v1/secrets/db/value", R"({"value": "x"})");
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_NE(r.body.find("--secret-key-file"), std::string::npos) << r.body;
  auto resolved = Resolve("db");
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.error().message.find("FERRY_SECRET_KEY"), std::string::npos);
}

TEST_F(SecretValuesApiTest, AValueIsSetDescribedUsedAndDeletedButNeverShownOrStoredInClear) {
  ASSERT_NO_FATAL_FAILURE(UseKey(NewKeyFile(keys_, "a.key")));
  ASSERT_NO_FATAL_FAILURE(DeclareSecrets());
  auto unset = Resolve("db");
  ASSERT_FALSE(unset.ok());
  EXPECT_NE(unset.error().message.find("ferry secrets set db"), std::string::npos);

  Reply set = Put("/api/v1/secrets/db/value", std::string(R"({"value": ")") + kCanary + "\"}");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.body.find(kCanary), std::string::npos);
  EXPECT_EQ(set.json["version"], 1);
  EXPECT_EQ(set.json["keyId"], secret_keys_.current_id());
  EXPECT_EQ(set.json["updatedBy"], "token:tester");
  Reply again = Put("/api/v1/secrets/db/value", R"({"value": "second"})");
  EXPECT_EQ(again.json["version"], 2);
  Reply shown = Get("/api/v1/secrets/db/value");
  ASSERT_EQ(shown.status, 200) << shown.body;
  EXPECT_EQ(shown.json["version"], 2);
  EXPECT_EQ(Resolve("db").value_or(""), "second");
  ASSERT_EQ(Put("/api/v1/secrets/db/value", std::string(R"({"value": ")") + kCanary + "\"}")
                .status,
            200);
  EXPECT_EQ(Resolve("db").value_or(""), kCanary);
  // `ref` names where the value is kept.
  ASSERT_EQ(Put("/api/v1/secrets/aliased/value", R"({"value": "shared"})").status, 200);
  EXPECT_EQ(Resolve("aliased").value_or(""), "shared");
  EXPECT_EQ(store_->secret_values().Get("shared-db").value().version, 1);
  // Neither the database nor anything else in the data directory holds the value in clear.
  EXPECT_FALSE(InDataDir(dir_->path() / "data", kCanary));
  // The audit trail has who set it, never the value.
  auto events = store_->audit().List(store::AuditQuery{.subject_type = "secret"});
  ASSERT_TRUE(events.ok());
  ASSERT_GE(events->size(), 3u);
  EXPECT_EQ(events->front().action, "secret.set");
  for (const auto& e : *events) EXPECT_EQ(e.details_json.find(kCanary), std::string::npos);

  Reply deleted = Delete("/api/v1/secrets/db/value");
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(Get("/api/v1/secrets/db/value").status, 404);
  EXPECT_FALSE(Resolve("db").ok());
}

TEST_F(SecretValuesApiTest, BadRequestsGetClearErrorsAndChangeNothing) {
  ASSERT_NO_FATAL_FAILURE(UseKey(NewKeyFile(keys_, "a.key")));
  ASSERT_NO_FATAL_FAILURE(DeclareSecrets());
  ASSERT_EQ(Put("/api/v1/secrets/db/value", R"({"value": "kept"})").status, 200);
  const std::string big(64 * 1024 + 1, 'x');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/secrets/db/value", "{"},
      {"/api/v1/secrets/db/value", "[]"},
      {"/api/v1/secrets/db/value", "{}"},
      {"/api/v1/secrets/db/value", R"({"value": 7})"},
      {"/api/v1/secrets/db/value", R"({"value": ""})"},
      {"/api/v1/secrets/db/value", R"({"value": "a", "extra": 1})"},
      {"/api/v1/secrets/db/value", R"({"value": "a", "value": "b"})"},
      {"/api/v1/secrets/db/value", "{\"value\": \"" + big + "\"}"},
      {"/api/v1/secrets/db/value", "{\"value\": \"\xff\xfe\"}"},
      {"/api/v1/secrets/Bad_Name/value", R"({"value": "a"})"},
  };
  for (const auto& [path, body] : cases) {
    Reply r = Put(path, body);
    EXPECT_EQ(r.status / 100, 4) << body.substr(0, 40) << " -> " << r.status << " " << r.body;
  }
  EXPECT_EQ(Put("/api/v1/secrets/nope/value", R"({"value": "a"})").status, 404);
  Reply env = Put("/api/v1/secrets/from-env/value", R"({"value": "a"})");
  EXPECT_EQ(env.status, 412) << env.body;
  EXPECT_NE(env.body.find("source ferry"), std::string::npos) << env.body;
  EXPECT_EQ(Resolve("db").value_or(""), "kept");
  EXPECT_EQ(store_->secret_values().Get("db").value().version, 1);
  // A read token may describe, not set or delete.
  auto reader = store_->tokens().Issue({"reader", {"read"}, std::nullopt}, "test").value();
  httplib::Headers as_reader{{"Authorization", "Bearer " + reader.secret}};
  EXPECT_EQ(Get("/api/v1/secrets/db/value", as_reader).status, 200);
  EXPECT_EQ(Put("/api/v1/secrets/db/value", R"({"value": "a"})", as_reader).status, 403);
  EXPECT_EQ(Delete("/api/v1/secrets/db/value", as_reader).status, 403);
  EXPECT_EQ(Post("/api/v1/secret-key/rotate", "{}", as_reader).status, 403);
}

TEST_F(SecretValuesApiTest, ARotationReSealsEveryValueSoTheOldKeyCanGo) {
  const std::string a = NewKeyFile(keys_, "a.key");
  const std::string b = NewKeyFile(keys_, "b.key");
  ASSERT_NO_FATAL_FAILURE(UseKey(a));
  ASSERT_NO_FATAL_FAILURE(DeclareSecrets());
  ASSERT_EQ(Put("/api/v1/secrets/db/value", std::string(R"({"value": ")") + kCanary + "\"}")
                .status,
            200);
  ASSERT_EQ(Put("/api/v1/secrets/aliased/value", R"({"value": "shared"})").status, 200);
  const std::string old_id = secret_keys_.current_id();

  // B is current, A previous: both values still open; the rotation re-seals them under B.
  ASSERT_NO_FATAL_FAILURE(UseKey(b, a));
  EXPECT_EQ(Resolve("db").value_or(""), kCanary);
  Reply rotated = Post("/api/v1/secret-key/rotate", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(rotated.json["resealed"], 2);
  EXPECT_EQ(rotated.json["keyId"], secret_keys_.current_id());
  EXPECT_EQ(Post("/api/v1/secret-key/rotate", "{}").json["alreadyCurrent"], 2);

  // A is gone: everything opens with B alone; with A alone nothing does, and it says why.
  ASSERT_NO_FATAL_FAILURE(UseKey(b));
  EXPECT_EQ(Resolve("db").value_or(""), kCanary);
  EXPECT_EQ(Resolve("aliased").value_or(""), "shared");
  ASSERT_NO_FATAL_FAILURE(UseKey(a));
  auto stale = Resolve("db");
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message.find("previous-key-file"), std::string::npos)
      << stale.error().message;
  EXPECT_NE(old_id, "");
  EXPECT_FALSE(InDataDir(dir_->path() / "data", kCanary));
}

}  // namespace
}  // namespace ferry::api::testing
