// Contract: EntityStore (see store/entity_store.h).
#include <string>
#include <vector>

#include "store/limits.h"
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

EntityWrite Write(std::string kind, std::string app, std::string name, std::string spec,
                  std::optional<int64_t> expected = std::nullopt) {
  return EntityWrite{EntityKey{std::move(kind), std::move(app), std::move(name)}, std::move(spec),
                     expected};
}

TEST_P(StoreContractTest, PutCreatesThenGetReturnsCanonicalSpec) {
  auto put = store().entities().Put(
      Write("service", "shop", "checkout", R"({ "b": 1, "a": [1, 2] })"), "alice");
  FERRY_ASSERT_OK(put);
  EXPECT_EQ(*put, PutOutcome::kCreated);
  auto got = store().entities().Get({"service", "shop", "checkout"});
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->spec_json, R"({"a":[1,2],"b":1})");
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->created_at, clock_.Now());
  EXPECT_EQ(got->updated_at, clock_.Now());
}

TEST_P(StoreContractTest, IdempotentPutIsUnchangedAndKeepsRevision) {
  FERRY_ASSERT_OK(store().entities().Put(Write("application", "", "shop", R"({"x":1})"), "a"));
  clock_.Advance(std::chrono::seconds(5));
  // Same content, different formatting and key order: still unchanged.
  auto again = store().entities().Put(Write("application", "", "shop", "{ \"x\" : 1 }\n"), "a");
  FERRY_ASSERT_OK(again);
  EXPECT_EQ(*again, PutOutcome::kUnchanged);
  auto got = store().entities().Get({"application", "", "shop"});
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->updated_at, got->created_at);
}

TEST_P(StoreContractTest, ChangedPutBumpsRevisionAndUpdatedAt) {
  FERRY_ASSERT_OK(store().entities().Put(Write("application", "", "shop", R"({"x":1})"), "a"));
  auto created = store().entities().Get({"application", "", "shop"});
  FERRY_ASSERT_OK(created);
  clock_.Advance(std::chrono::seconds(5));
  auto put = store().entities().Put(Write("application", "", "shop", R"({"x":2})"), "a");
  FERRY_ASSERT_OK(put);
  EXPECT_EQ(*put, PutOutcome::kUpdated);
  auto got = store().entities().Get({"application", "", "shop"});
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->revision, 2);
  EXPECT_EQ(got->created_at, created->created_at);
  EXPECT_EQ(got->updated_at, clock_.Now());
}

TEST_P(StoreContractTest, ExpectedRevisionGuards) {
  auto& entities = store().entities();
  // 0 means "must not exist".
  FERRY_ASSERT_OK(entities.Put(Write("environment", "", "prod", "{}", 0), "a"));
  auto again = entities.Put(Write("environment", "", "prod", R"({"y":1})", 0), "a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("revision 1"), std::string::npos) << again.error().message;

  auto stale = entities.Put(Write("environment", "", "prod", R"({"y":1})", 7), "a");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kFailedPrecondition);

  auto fresh = entities.Put(Write("environment", "", "prod", R"({"y":1})", 1), "a");
  FERRY_ASSERT_OK(fresh);
  EXPECT_EQ(*fresh, PutOutcome::kUpdated);
  auto missing = entities.Put(Write("environment", "", "qa", "{}", 3), "a");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(entities.Get({"environment", "", "qa"}).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContractTest, PutAllReturnsOutcomesInOrder) {
  auto& entities = store().entities();
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", "a", R"({"v":1})"), "a"));
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", "b", R"({"v":1})"), "a"));
  auto outcomes = entities.PutAll(
      {Write("service", "shop", "a", R"({"v":1})"), Write("service", "shop", "b", R"({"v":2})"),
       Write("service", "shop", "c", R"({"v":1})")},
      "a");
  FERRY_ASSERT_OK(outcomes);
  EXPECT_EQ(*outcomes, (std::vector<PutOutcome>{PutOutcome::kUnchanged, PutOutcome::kUpdated,
                                                PutOutcome::kCreated}));
}

TEST_P(StoreContractTest, PutAllIsAtomicWhenAGuardFails) {
  auto& entities = store().entities();
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", "a", R"({"v":1})"), "a"));
  auto failed = entities.PutAll(
      {Write("service", "shop", "a", R"({"v":2})"), Write("service", "shop", "new", R"({"v":1})"),
       Write("service", "shop", "a", R"({"v":3})", 1)},  // stale
      "a");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kFailedPrecondition);
  auto a = entities.Get({"service", "shop", "a"});
  FERRY_ASSERT_OK(a);
  EXPECT_EQ(a->spec_json, R"({"v":1})");
  EXPECT_EQ(a->revision, 1);
  EXPECT_EQ(entities.Get({"service", "shop", "new"}).error().code, ErrorCode::kNotFound);
  // Nothing was audited for the rolled-back writes.
  auto events = store().audit().List({});
  FERRY_ASSERT_OK(events);
  EXPECT_EQ(events->size(), 1u);
}

TEST_P(StoreContractTest, PutAllRejectsInvalidJsonWithoutWritingAnything) {
  auto& entities = store().entities();
  auto failed = entities.PutAll(
      {Write("service", "shop", "ok", "{}"), Write("service", "shop", "bad", "{\"x\": ")}, "a");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(failed.error().message.find("service/shop/bad"), std::string::npos)
      << failed.error().message;
  auto all = entities.List("", std::nullopt);
  FERRY_ASSERT_OK(all);
  EXPECT_TRUE(all->empty());
}

TEST_P(StoreContractTest, PutAllOfNothingSucceeds) {
  auto outcomes = store().entities().PutAll({}, "a");
  FERRY_ASSERT_OK(outcomes);
  EXPECT_TRUE(outcomes->empty());
}

TEST_P(StoreContractTest, ListFiltersAndOrders) {
  auto& entities = store().entities();
  FERRY_ASSERT_OK(
      entities.PutAll({Write("service", "zoo", "b", "{}"), Write("service", "shop", "b", "{}"),
                       Write("service", "shop", "a", "{}"), Write("application", "", "shop", "{}"),
                       Write("environment", "", "dev", "{}")},
                      "a"));
  auto all = entities.List("", std::nullopt);
  FERRY_ASSERT_OK(all);
  std::vector<std::string> names;
  for (const auto& r : *all)
    names.push_back(r.key.kind + ":" + r.key.application + ":" + r.key.name);
  EXPECT_EQ(names, (std::vector<std::string>{"application::shop", "environment::dev",
                                             "service:shop:a", "service:shop:b", "service:zoo:b"}));
  auto services = entities.List("service", std::string("shop"));
  FERRY_ASSERT_OK(services);
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].key.name, "a");
  auto unscoped = entities.List("", std::string(""));
  FERRY_ASSERT_OK(unscoped);
  EXPECT_EQ(unscoped->size(), 2u);
  auto none = entities.List("pipeline", std::nullopt);
  FERRY_ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreContractTest, DeleteRemovesAndIsNotFoundWhenAbsent) {
  auto& entities = store().entities();
  FERRY_ASSERT_OK(entities.Put(Write("trigger", "shop", "nightly", "{}"), "a"));
  FERRY_ASSERT_OK(entities.Delete({"trigger", "shop", "nightly"}, "bob"));
  EXPECT_EQ(entities.Get({"trigger", "shop", "nightly"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(entities.Delete({"trigger", "shop", "nightly"}, "bob").error().code,
            ErrorCode::kNotFound);
  // Re-created after a delete starts again at revision 1.
  FERRY_ASSERT_OK(entities.Put(Write("trigger", "shop", "nightly", R"({"n":1})"), "a"));
  EXPECT_EQ(entities.Get({"trigger", "shop", "nightly"})->revision, 1);
}

TEST_P(StoreContractTest, EveryEntityMutationIsAudited) {
  auto& entities = store().entities();
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", "a", R"({"v":1})"), "alice"));
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", "a", R"({"v":1})"), "alice"));  // no-op
  clock_.Advance(std::chrono::seconds(1));
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", "a", R"({"v":2})"), "bob"));
  FERRY_ASSERT_OK(entities.Delete({"service", "shop", "a"}, "carol"));
  auto events = store().audit().List({.subject_type = "entity", .subject_id = "service/shop/a"});
  FERRY_ASSERT_OK(events);
  ASSERT_EQ(events->size(), 3u);
  const auto& create = (*events)[0];
  const auto& update = (*events)[1];
  const auto& remove = (*events)[2];
  EXPECT_EQ(create.action, "entity.create");
  EXPECT_EQ(create.actor, "alice");
  EXPECT_FALSE(create.before_sha256.has_value());
  ASSERT_TRUE(create.after_sha256.has_value());
  EXPECT_EQ(create.after_sha256->size(), 64u);
  EXPECT_EQ(update.action, "entity.update");
  EXPECT_EQ(update.actor, "bob");
  EXPECT_EQ(update.before_sha256, create.after_sha256);
  EXPECT_NE(update.after_sha256, create.after_sha256);
  EXPECT_EQ(update.at, clock_.Now());
  EXPECT_EQ(remove.action, "entity.delete");
  EXPECT_EQ(remove.before_sha256, update.after_sha256);
  EXPECT_FALSE(remove.after_sha256.has_value());
  EXPECT_LT(create.sequence, update.sequence);
  EXPECT_LT(update.sequence, remove.sequence);
}

TEST_P(StoreContractTest, OversizedSpecIsRejected) {
  std::string big = "{\"x\":\"" + std::string(kMaxSpecBytes, 'a') + "\"}";
  auto put = store().entities().Put(Write("service", "shop", "big", big), "a");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kPayloadTooLarge);
  // Just under the limit is fine.
  std::string fits = "{\"x\":\"" + std::string(kMaxSpecBytes - 16, 'a') + "\"}";
  FERRY_EXPECT_OK(store().entities().Put(Write("service", "shop", "fits", fits), "a"));
}

TEST_P(StoreContractTest, HostileKeysAndSpecsAreRejected) {
  auto& entities = store().entities();
  struct Case {
    EntityWrite write;
    std::string actor;
  };
  std::vector<Case> cases = {
      {Write("", "shop", "a", "{}"), "a"},
      {Write("service", "shop", "", "{}"), "a"},
      {Write("service", "shop", std::string(300, 'n'), "{}"), "a"},
      {Write("service", "shop", "bad\xff", "{}"), "a"},
      {Write("service", "shop", "new\nline", "{}"), "a"},
      {Write("service", std::string("sh\0op", 5), "a", "{}"), "a"},
      {Write("service", "shop", "a", "not json"), "a"},
      {Write("service", "shop", "a", ""), "a"},
      {Write("service", "shop", "a", std::string(100, '[') + std::string(100, ']')), "a"},
      {Write("service", "shop", "a", "{\"s\":\"\xc3\x28\"}"), "a"},
      {Write("service", "shop", "a", "{}"), ""},
  };
  for (const auto& c : cases) {
    auto put = entities.Put(c.write, c.actor);
    ASSERT_FALSE(put.ok()) << c.write.key.name << " / " << c.write.spec_json;
    EXPECT_EQ(put.error().code, ErrorCode::kInvalidArgument) << put.error().ToString();
  }
  auto all = entities.List("", std::nullopt);
  FERRY_ASSERT_OK(all);
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(entities.Get({"service", "shop", ""}).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, SqlMetacharactersAreJustData) {
  auto& entities = store().entities();
  std::string name = "x'); DROP TABLE entities; --";
  FERRY_ASSERT_OK(entities.Put(Write("service", "shop", name, R"({"q":"'\"%_"})"), "o'brien"));
  auto got = entities.Get({"service", "shop", name});
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->key.name, name);
  EXPECT_EQ(entities.List("servic%", std::nullopt)->size(), 0u);
}

TEST_P(StoreContractTest, DataSurvivesReopen) {
  FERRY_ASSERT_OK(store().entities().Put(Write("service", "shop", "a", R"({"v":1})"), "a"));
  Reopen();
  auto got = store().entities().Get({"service", "shop", "a"});
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->spec_json, R"({"v":1})");
  auto version = store().SchemaVersion();
  FERRY_ASSERT_OK(version);
  EXPECT_GE(*version, 1);
  Reopen();  // Re-applying migrations to an up-to-date database changes nothing.
  EXPECT_EQ(*store().SchemaVersion(), *version);
}

}  // namespace
}  // namespace ferry::store::testing
