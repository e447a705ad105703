// SecretValueStore contract: sealed values by name, versions, audit without values, optimistic
// re-sealing for key rotation.
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

TEST_P(StoreContractTest, SecretValuesArePutReadListedResealedAndDeleted) {
  SecretValueStore& values = store().secret_values();
  EXPECT_EQ(values.Get("db").error().code, ErrorCode::kNotFound);
  const std::string sealed("\x00\x01sealed\xff", 9);
  auto put = values.Put("db", sealed, "key-a", "alice");
  ASSERT_TRUE(put.ok()) << put.error().ToString();
  EXPECT_EQ(put->version, 1);
  EXPECT_EQ(put->sealed, sealed);
  EXPECT_EQ(put->updated_by, "alice");
  auto again = values.Put("db", "other", "key-a", "bob");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 2);
  FERRY_ASSERT_OK(values.Put("api", "x", "key-a", "alice"));
  Reopen();
  auto got = store().secret_values().Get("db");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->sealed, "other");
  EXPECT_EQ(got->key_id, "key-a");
  auto all = store().secret_values().List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "api");

  // Re-sealing is guarded by the version: a stale one is a conflict and changes nothing.
  EXPECT_EQ(store().secret_values().Reseal("db", 1, "new", "key-b", "rotation").error().code,
            ErrorCode::kConflict);
  auto resealed = store().secret_values().Reseal("db", 2, "new", "key-b", "rotation");
  ASSERT_TRUE(resealed.ok()) << resealed.error().ToString();
  EXPECT_EQ(resealed->version, 3);
  EXPECT_EQ(resealed->key_id, "key-b");

  FERRY_ASSERT_OK(store().secret_values().Delete("db", "alice"));
  EXPECT_EQ(store().secret_values().Delete("db", "alice").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().secret_values().Get("db").error().code, ErrorCode::kNotFound);

  // Audited: who and which version, never the sealed bytes.
  auto events = store().audit().List(AuditQuery{.subject_type = "secret"});
  ASSERT_TRUE(events.ok());
  std::vector<std::string> actions;
  for (const auto& e : *events) {
    actions.push_back(e.action + " " + e.subject_id);
    EXPECT_EQ(e.details_json.find("sealed"), std::string::npos) << e.details_json;
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"secret.set secret/db", "secret.set secret/db",
                                               "secret.set secret/api", "secret.reseal secret/db",
                                               "secret.delete secret/db"}));
}

TEST_P(StoreContractTest, SecretValuesRefuseBadInput) {
  SecretValueStore& values = store().secret_values();
  EXPECT_EQ(values.Put("bad\nname", "x", "k", "a").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(values.Put("db", "", "k", "a").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(values.Put("db", std::string(128 * 1024 + 1, 'x'), "k", "a").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(values.Put("db", "x", "", "a").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(values.Put("db", "x", "k", "").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(values.Reseal("nope", 1, "x", "k", "a").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(values.List().value().empty());
}

}  // namespace
}  // namespace ferry::store::testing
