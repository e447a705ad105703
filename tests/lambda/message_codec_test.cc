// The typed messages of the lambda module — task payloads and results (tasks.h), step inputs and
// outputs (steps.h), deployment records and known states (records.h): each round-trips through
// its one codec, never carries an environment value where it is shown or recorded, and refuses
// malformed, hostile and oversized input with kInvalidArgument naming the member.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "lambda/plan_fixtures.h"
#include "lambda/records.h"
#include "lambda/steps.h"
#include "lambda/tasks.h"

namespace ferry::lambda {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecretValue[] = "s3cr3t-value";  // fixtures::Desired()'s DB_PASSWORD

LambdaTarget Target() {
  LambdaTarget t;
  t.region = "eu-west-1";
  t.endpoint = "http://127.0.0.1:4566";
  t.cloud_provider = "prod-aws";
  t.credentials.mode = TargetCredentialsMode::kKeys;
  t.credentials.access_key_id = "AKIAEXAMPLE";
  t.credentials.secret_name = "aws-key";
  return t;
}

FunctionDeployment Deployment() {
  FunctionDeployment d;
  d.function_name = "orders-api-dev";
  d.started = true;
  d.snapshot_taken = true;
  d.snapshot = fixtures::Deployed(fixtures::Desired(), "3");
  d.snapshot_confirmed = false;
  d.moved_aliases = {"dev"};
  d.function_arn = d.snapshot.arn;
  d.version = "4";
  d.code_sha256 = "SHA-C";
  d.version_count = 3;
  d.aliases = {AliasState{"dev", "4", {}, "rev-9", "arn:dev"}};
  d.deployed_aliases = {"dev"};
  d.managed_tags = {"team"};
  d.managed_environment = {"DB_PASSWORD", "STAGE"};
  d.after = fixtures::Deployed(fixtures::Desired(), "4");
  d.calls = {CallRecord{"UpdateAlias", "UpdateAlias orders-api-dev:dev → version 4", true,
                        {"req-1"}, ""}};
  return d;
}

TEST(TaskCodecTest, EveryPayloadAndResultRoundTrips) {
  SnapshotTask snapshot{Target(), {"a", "b"}};
  auto s = DecodeSnapshotTask(EncodeSnapshotTask(snapshot));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->target, snapshot.target);
  EXPECT_THAT(s->function_names, ElementsAre("a", "b"));

  DeployTask deploy;
  deploy.target = Target();
  deploy.concurrency = 12;
  deploy.functions = {fixtures::Desired()};
  deploy.snapshots = {Snapshot{fixtures::Deployed(fixtures::Desired()), SnapshotSource::kRecorded}};
  deploy.reuse_snapshot_lists = false;
  auto d = DecodeDeployTask(EncodeDeployTask(deploy));
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->concurrency, 12);
  EXPECT_FALSE(d->reuse_snapshot_lists);
  ASSERT_EQ(d->functions.size(), 1u);
  EXPECT_EQ(d->functions[0].config.environment.at("DB_PASSWORD"), kSecretValue)
      << "a payload to the delegate carries the desired values (secrets stay references)";
  ASSERT_EQ(d->snapshots.size(), 1u);
  EXPECT_EQ(d->snapshots[0].source, SnapshotSource::kRecorded);
  EXPECT_EQ(d->snapshots[0].function.FindAlias("dev")->version, "3");

  DeployResult result{{Deployment()}};
  const std::string encoded = EncodeDeployResult(result);
  EXPECT_THAT(encoded, Not(HasSubstr(kSecretValue))) << "results are recorded and shown";
  auto r = DecodeDeployResult(encoded);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->deployments.size(), 1u);
  EXPECT_THAT(r->deployments[0].moved_aliases, ElementsAre("dev"));
  EXPECT_FALSE(r->deployments[0].snapshot_confirmed);
  ASSERT_TRUE(r->deployments[0].after.has_value());
  EXPECT_EQ(r->deployments[0].after->FindAlias("dev")->version, "4");

  RollbackTask rollback{Target(), true,
                        {RollbackTarget{fixtures::Deployed(fixtures::Desired()), {"dev"}, true}}};
  auto rb = DecodeRollbackTask(EncodeRollbackTask(rollback));
  ASSERT_TRUE(rb.ok()) << rb.error().message;
  EXPECT_TRUE(rb->keep_created_functions);
  EXPECT_TRUE(rb->functions[0].unconfirmed);
  EXPECT_THAT(rb->functions[0].aliases, ElementsAre("dev"));

  RollbackReport report;
  report.function_name = "orders-api-dev";
  report.error = Error{ErrorCode::kFailedPrecondition, "gone"};
  auto rr = DecodeRollbackResult(EncodeRollbackResult(RollbackResult{{report}}));
  ASSERT_TRUE(rr.ok()) << rr.error().message;
  EXPECT_EQ(rr->rollbacks[0].error->code, ErrorCode::kFailedPrecondition);

  PruneTask prune{Target(), 5, {PruneFunction{"f", {"7", "8"}}}};
  auto p = DecodePruneTask(EncodePruneTask(prune));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->keep, 5);
  EXPECT_THAT(p->functions[0].protected_versions, ElementsAre("7", "8"));
  PruneReport pruned;
  pruned.function_name = "f";
  pruned.deleted = {"1", "2"};
  auto pr = DecodePruneResult(EncodePruneResult(PruneResult{{pruned}}));
  ASSERT_TRUE(pr.ok());
  EXPECT_THAT(pr->pruned[0].deleted, ElementsAre("1", "2"));

  FunctionPlan plan;
  plan.function_name = "f";
  plan.update_code = true;
  plan.configuration_changes = {"MemorySize"};
  plan.alias_moves = {AliasMove{"dev", "3", "<new version>"}};
  auto pl = DecodePlanResult(EncodePlanResult(PlanResult{{plan}}));
  ASSERT_TRUE(pl.ok()) << pl.error().message;
  EXPECT_TRUE(pl->functions[0].changes());
  EXPECT_EQ(pl->functions[0].alias_moves[0], plan.alias_moves[0]);
}

TEST(TaskCodecTest, MalformedAndHostilePayloadsAreRefusedNamingWhatIsWrong) {
  const std::string huge(20 * 1024 * 1024, 'x');
  struct Case {
    std::string json;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"[]", "not a JSON object"},
           {"{", "lambda.deploy payload"},
           {R"({"functions": []})", "no target"},
           {R"({"target": {"region": "eu-west-1"}, "functions": {}})", "functions must be an array"},
           {R"({"target": {"region": "eu-west-1"}, "concurrency": 1e300})", "concurrency"},
           {R"({"target": {"region": "eu-west-1"}, "concurrency": -1})", "concurrency"},
           {R"({"target": {"region": "eu-west-1"}, "snapshots": [{"source": "guessed"}]})",
            "snapshot source"},
           {R"({"target": {"region": "eu-west-1", "credentials": {"mode": "magic"}}})", "mode"},
           {"{\"target\": {\"region\": \"" + huge + "\"}}", "the limit is"},
       }) {
    auto d = DecodeDeployTask(c.json);
    ASSERT_FALSE(d.ok()) << c.json.substr(0, 80);
    EXPECT_THAT(d.error().message, HasSubstr(c.says)) << c.json.substr(0, 80);
    EXPECT_THAT(d.error().message, Not(HasSubstr("xxxxxxxx"))) << "never echoes a value";
  }
  EXPECT_FALSE(DecodePruneTask(R"({"target": {"region": "r"}, "keep": 0})").ok());
  EXPECT_FALSE(DecodeRollbackTask(R"({"target": {"region": "r"}, "functions": [{}]})").ok());
  EXPECT_FALSE(DecodeRollbackTask(
                   R"({"target": {"region": "r"}, "functions": [{"snapshot": {"exists": true}}]})")
                   .ok())
      << "a snapshot to restore names its function";
  EXPECT_FALSE(DecodeSnapshotTask(R"({"target": {"region": "r"}, "functions": [""]})").ok());
  EXPECT_FALSE(DecodePlanResult(R"({"functions": [{"functionName": "f", "aliasMoves": [{}]}]})")
                   .ok());
}

TEST(StepCodecTest, InputsAndOutputsRoundTripAndRedactRecordedSnapshots) {
  DeployStepInputs in;
  in.target = Target();
  in.selectors = {"eu"};
  in.concurrency = 4;
  in.functions = {fixtures::Desired()};
  in.keep_created_functions = true;
  auto back = DecodeDeployStepInputs(EncodeDeployStepInputs(in));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->selectors, in.selectors);
  EXPECT_TRUE(back->keep_created_functions);
  EXPECT_EQ(back->concurrency, 4);
  in.concurrency = 0;
  EXPECT_FALSE(DecodeDeployStepInputs(EncodeDeployStepInputs(in)).ok());

  DeployStepOutputs out;
  out.snapshots = {Snapshot{fixtures::Deployed(fixtures::Desired()), SnapshotSource::kRead}};
  out.deployments = {Deployment()};
  out.deploying = true;
  const std::string encoded = EncodeDeployStepOutputs(out);
  EXPECT_THAT(encoded, Not(HasSubstr(kSecretValue))) << "step outputs are shown by the API";
  auto o = DecodeDeployStepOutputs(encoded);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->deploying);
  EXPECT_EQ(o->snapshots[0].function.config.environment.at("DB_PASSWORD"), "");

  RestoreStepInputs restore;
  restore.target = Target();
  restore.execution = "01EXEC";
  restore.undo = true;
  restore.functions = {RestoreFunction{"f", {AliasState{"dev", "3", {{"4", 0.1}}, "", ""}}}};
  auto r = DecodeRestoreStepInputs(EncodeRestoreStepInputs(restore));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->undo);
  EXPECT_EQ(r->functions[0].aliases[0].weights.at("4"), 0.1);
  EXPECT_FALSE(DecodeRestoreStepInputs(
                   R"({"target": {"region": "r"}, "toExecution": "a", "undoExecution": "b"})")
                   .ok())
      << "exactly one of the two";

  RollbackStepInputs rollback{{"eu"}, RollbackTask{Target(), false, {}}};
  auto rb = DecodeRollbackStepInputs(EncodeRollbackStepInputs(rollback));
  ASSERT_TRUE(rb.ok()) << rb.error().message;
  EXPECT_THAT(rb->selectors, ElementsAre("eu"));
  EXPECT_EQ(rb->task.target, Target());
}

TEST(RecordCodecTest, RecordsAndKnownStatesRoundTripWithoutEnvironmentValues) {
  const ObservedFunction f = fixtures::Deployed(fixtures::Desired(), "4");
  const std::string known = EncodeKnownFunction(f);
  EXPECT_THAT(known, Not(HasSubstr(kSecretValue)));
  EXPECT_THAT(known, HasSubstr("\"memoryMb\":256")) << "$LATEST's configuration, for drift";
  EXPECT_THAT(known, HasSubstr("\"DB_PASSWORD\":\"\"")) << "environment keys, never values";
  auto k = DecodeKnownFunction(known);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->arn, f.arn);
  EXPECT_EQ(k->revision_id, f.revision_id);
  EXPECT_EQ(k->FindAlias("dev")->revision_id, "rev-alias-dev");
  EXPECT_EQ(k->versions.size(), f.versions.size());

  const std::string snapshot = EncodeRecordedSnapshot(f);
  EXPECT_THAT(snapshot, Not(HasSubstr(kSecretValue)));
  EXPECT_TRUE(DecodeRecordedSnapshot(snapshot).ok());

  auto aliases = DecodeRecordedAliases(EncodeRecordedAliases(f.aliases));
  ASSERT_TRUE(aliases.ok());
  EXPECT_EQ(aliases->at(0).version, "4");
  EXPECT_FALSE(DecodeRecordedAliases(R"({"dev": {}})").ok()) << "an alias needs its version";

  DeploymentDetails details{{"team"}, {"STAGE"}, {"dev"}, false};
  auto d = DecodeDeploymentDetails(EncodeDeploymentDetails(details));
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->changed);
  EXPECT_TRUE(DecodeDeploymentDetails("{}")->changed)
      << "records from before details were kept count as changes";

  LambdaTarget a = Target();
  LambdaTarget b = Target();
  b.endpoint = "http://127.0.0.1:4567";
  EXPECT_NE(KnownStateKey(a, "f"), KnownStateKey(b, "f"));
  EXPECT_EQ(KnownStateKey(a, "f"), KnownStateKey(Target(), "f"));
  a.endpoint = std::string(512, 'e');
  EXPECT_LE(KnownStateKey(a, std::string(170, 'f')).size(), 256u) << "bounded by the store";
}

}  // namespace
}  // namespace ferry::lambda
