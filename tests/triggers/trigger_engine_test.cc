// The trigger engine over a real SQLite store (temp dir), a FakeClock and an in-memory bucket:
// each new object starts the target once, also with a second engine (another server) on the
// same database and after a restart; a refused start (a freeze window) is the trigger's last
// error and is not retried; pipeline targets record "pipelines cannot run yet"; schedules run
// when due and once after downtime; webhooks start once and refuse replays.
#include "triggers/trigger_engine.h"

#include <gmock/gmock.h>

#include "common/crypto.h"
#include "common/json.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"
#include "triggers/fake_bucket.h"

namespace ferry::triggers {
namespace {

using testing::FakeBucket;
using ::testing::HasSubstr;

// Records what it was asked to start. A fake because what a target does (DeployService, the
// engine) is tested elsewhere; tests/ferry/e2e_triggers_test.cc runs the real one.
class RecordingTarget final : public TriggerTarget {
 public:
  Result<std::string> Start(const TriggerFire& fire) override {
    std::lock_guard lock(mu_);
    if (refuse_) return *refuse_;
    fires.push_back(fire);
    return "exec-" + std::to_string(fires.size());
  }
  void Refuse(Error e) {
    std::lock_guard lock(mu_);
    refuse_ = std::move(e);
  }
  void Allow() {
    std::lock_guard lock(mu_);
    refuse_.reset();
  }
  std::vector<TriggerFire> fires;

 private:
  std::mutex mu_;
  std::optional<Error> refuse_;
};

class TriggerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Open();
    Put(Json{
        {"kind", "Service"},
        {"application", "shop"},
        {"name", "api"},
        {"type", "lambda"},
        {"artifact",
         {{"cloudProvider", "aws"},
          {"s3", {{"bucket", "artifacts"}, {"prefix", "api/"}, {"filter", "api-(.+)\\.zip"}}}}},
        {"functions", Json::array({{{"name", "f"}}})}});
    Put(Json{{"kind", "Trigger"},
             {"application", "shop"},
             {"name", "builds"},
             {"newArtifact", {{"service", "api"}, {"pollInterval", "10s"}}},
             {"workflow", "basic"},
             {"variables", {{"env", "dev"}}}});
  }

  std::unique_ptr<store::Store> Open() {
    auto s = store::OpenSqliteStore({.data_dir = dir_.Sub("data")}, clock_, ids_);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    return std::move(*s);
  }

  void Put(const Json& entity, store::Store* store = nullptr) {
    auto decoded = model::EntityFromJson(DumpJson(entity));
    ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
    store::EntityKey key{std::string(model::StoreKindName(model::KindOf(*decoded))),
                         model::ApplicationOf(*decoded), model::NameOf(*decoded)};
    auto put = (store ? *store : *store_).entities().Put({key, DumpJson(entity)}, "test");
    ASSERT_TRUE(put.ok()) << put.error().ToString();
  }

  std::unique_ptr<TriggerEngine> MakeEngine(store::Store& store, TriggerTarget& target,
                                            const std::string& owner = "server-a") {
    TriggerEngineOptions options;
    options.owner = owner;
    return std::make_unique<TriggerEngine>(
        store, bucket_, target,
        [](const std::string& name) -> Result<std::string> {
          if (name == "hook-key") return std::string("k3y");
          return NotFound("no secret " + name);
        },
        clock_, ids_, options);
  }

  store::TriggerState State(const std::string& name = "builds") {
    auto s = store_->triggers().Get("shop", name);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    return s.ok() ? *s : store::TriggerState{};
  }

  test::TempDir dir_;
  FakeClock clock_;
  SequentialIdGenerator ids_;
  FakeBucket bucket_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(TriggerEngineTest, EachNewObjectIsRecordedAndStartsItsTargetOnce) {
  RecordingTarget target;
  auto engine = MakeEngine(*store_, target);
  bucket_.Put("api/api-1.zip", "e1", clock_.Now());
  engine->RunOnce();  // the baseline: nothing starts
  EXPECT_TRUE(target.fires.empty());

  bucket_.Put("api/api-2.zip", "e2", clock_.Now());
  engine->RunOnce();  // within the poll interval: no listing
  EXPECT_TRUE(target.fires.empty());
  clock_.Advance(std::chrono::seconds(10));
  engine->RunOnce();
  ASSERT_EQ(target.fires.size(), 1u);
  const TriggerFire& fire = target.fires[0];
  EXPECT_EQ(fire.cause, FireCause::kNewArtifact);
  EXPECT_EQ(fire.variables.at("env"), "dev");
  ASSERT_TRUE(fire.artifact_id);
  auto artifact = store_->artifacts().Get(*fire.artifact_id);
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ(artifact->source, "shop/api");
  EXPECT_EQ(artifact->key, "api/api-2.zip");
  EXPECT_EQ(artifact->version, "2");
  EXPECT_FALSE(fire.idempotency_key.empty());
  auto cause = ParseJson(fire.cause_json);
  ASSERT_TRUE(cause.ok());
  EXPECT_EQ((*cause)["trigger"], "shop/builds");
  EXPECT_EQ((*cause)["s3Key"], "api/api-2.zip");
  EXPECT_EQ(State().last_execution, "exec-1");

  // A second server, and this one after a restart, see the object again and start nothing.
  auto other_store = Open();
  auto other = MakeEngine(*other_store, target, "server-b");
  clock_.Advance(std::chrono::seconds(10));
  other->RunOnce();
  store_ = Open();
  auto restarted = MakeEngine(*store_, target);
  for (int i = 0; i < 12; ++i) {  // past a full listing too
    clock_.Advance(std::chrono::seconds(10));
    restarted->RunOnce();
  }
  EXPECT_EQ(target.fires.size(), 1u);
}

TEST_F(TriggerEngineTest, AFreezeRefusalIsTheLastErrorAndIsNotRetried) {
  RecordingTarget target;
  auto engine = MakeEngine(*store_, target);
  engine->RunOnce();
  target.Refuse(FailedPrecondition(
      "deployments to shop/dev are frozen by window 'holidays' until 2027-01-02 00:00 CET"));
  bucket_.Put("api/api-3.zip", "e3", clock_.Now());
  clock_.Advance(std::chrono::seconds(10));
  engine->RunOnce();
  EXPECT_THAT(State().last_error, HasSubstr("frozen by window 'holidays'"));
  EXPECT_TRUE(State().last_error_at);
  auto fire = store_->triggers().GetFire("shop", "builds", "object:artifacts/api/api-3.zip#e3");
  ASSERT_TRUE(fire.ok());
  EXPECT_EQ(fire->status, store::FireStatus::kFailed);
  // The freeze ends; the refused object is not started again (no retry storm).
  target.Allow();
  for (int i = 0; i < 12; ++i) {
    clock_.Advance(std::chrono::seconds(10));
    engine->RunOnce();
  }
  EXPECT_TRUE(target.fires.empty());
}

TEST_F(TriggerEngineTest, AListingFailureIsTheLastError) {
  RecordingTarget target;
  auto engine = MakeEngine(*store_, target);
  bucket_.set_fail(true);
  engine->RunOnce();
  EXPECT_THAT(State().last_error, HasSubstr("listing s3://artifacts/api/"));
  EXPECT_THAT(State().last_error, HasSubstr("injected listing failure"));
}

TEST_F(TriggerEngineTest, APipelineTargetRecordsThatPipelinesCannotRunYet) {
  Put(Json{{"kind", "Trigger"},
           {"application", "shop"},
           {"name", "builds"},
           {"newArtifact", {{"service", "api"}}},
           {"pipeline", "release"}});
  RecordingTarget workflows;
  PipelineTargetSeam pipelines;
  TargetByKind target(workflows, pipelines);
  auto engine = MakeEngine(*store_, target);
  engine->RunOnce();
  bucket_.Put("api/api-4.zip", "e4", clock_.Now());
  clock_.Advance(std::chrono::seconds(60));
  engine->RunOnce();
  EXPECT_TRUE(workflows.fires.empty());
  EXPECT_THAT(State().last_error, HasSubstr("pipelines cannot run yet"));
}

TEST_F(TriggerEngineTest, ASchedulesRunsWhenDueAndOnceAfterDowntime) {
  Put(Json{{"kind", "Trigger"},
           {"application", "shop"},
           {"name", "nightly"},
           {"schedule", {{"cron", "*/5 * * * *"}, {"timeZone", "UTC"}}},
           {"workflow", "basic"},
           {"artifactSelection", "last-collected"},
           {"artifactService", "api"}});
  ASSERT_TRUE(store_->artifacts()
                  .Record({.source = "shop/api",
                           .key = "api/api-1.zip",
                           .version = "1",
                           .location_json = R"({"s3Bucket":"artifacts","s3Key":"api/api-1.zip"})",
                           .code_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
                          "test")
                  .ok());
  RecordingTarget target;
  auto engine = MakeEngine(*store_, target);
  engine->RunOnce();
  auto next = State("nightly").next_run_at;
  ASSERT_TRUE(next);
  EXPECT_TRUE(target.fires.empty());
  clock_.Advance(std::chrono::duration_cast<Duration>(*next - clock_.Now()));
  engine->RunOnce();
  ASSERT_EQ(target.fires.size(), 1u);
  EXPECT_EQ(target.fires[0].cause, FireCause::kSchedule);
  EXPECT_TRUE(target.fires[0].artifact_id);
  // Down for an hour: one run at start-up, then the next slot after now.
  clock_.Advance(std::chrono::hours(1));
  auto restarted = MakeEngine(*store_, target, "server-b");
  restarted->RunOnce();
  restarted->RunOnce();
  EXPECT_EQ(target.fires.size(), 2u);
  EXPECT_GT(*State("nightly").next_run_at, clock_.Now());
}

TEST_F(TriggerEngineTest, AWebhookStartsOnceAndRefusesReplaysAndBadSignatures) {
  Put(Json{{"kind", "Secret"}, {"name", "hook-key"}, {"source", "env"}, {"ref", "HOOK"}});
  Put(Json{{"kind", "Trigger"},
           {"application", "shop"},
           {"name", "hook"},
           {"webhook", {{"type", "generic"}, {"secret", "hook-key"}}},
           {"workflow", "basic"},
           {"artifactService", "api"},
           {"variables", {{"build", "${trigger.payload.build}"}}}});
  ASSERT_TRUE(store_->artifacts()
                  .Record({.source = "shop/api",
                           .key = "api/api-1.zip",
                           .version = "1",
                           .location_json = R"({"s3Bucket":"artifacts","s3Key":"api/api-1.zip"})",
                           .code_sha256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
                          "test")
                  .ok());
  RecordingTarget target;
  auto engine = MakeEngine(*store_, target);
  engine->RunOnce();
  auto id = engine->HookIdOf("shop", "hook");
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_GE(id->size(), 40u);  // 160 random bits
  EXPECT_EQ(*engine->HookIdOf("shop", "hook"), *id);

  const std::string body = R"({"build":"42"})";
  const std::string ts = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count());
  WebhookRequest good{
      {{"x-ferry-timestamp", ts}, {"x-ferry-signature", GenericSignature("k3y", ts, body)}}, body};
  auto first = engine->HandleWebhook(*id, good);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->status, 202);
  ASSERT_EQ(target.fires.size(), 1u);
  EXPECT_EQ(target.fires[0].variables.at("build"), "42");
  auto replay = engine->HandleWebhook(*id, good);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->status, 200);
  EXPECT_THAT(replay->message, HasSubstr("replay"));

  WebhookRequest bad = good;
  bad.headers["x-ferry-signature"] = GenericSignature("wrong", ts, body);
  EXPECT_EQ(engine->HandleWebhook(*id, bad).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(engine->HandleWebhook("unknown-id", good).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(engine->HandleWebhook("../../x", good).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(target.fires.size(), 1u);
}

}  // namespace
}  // namespace ferry::triggers
