#include "delegate/lambda/deployer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "delegate/lambda/fake_lambda_api.h"
#include "delegate/lambda/rollback_targets.h"
#include "lambda/plan_fixtures.h"

namespace ferry::delegate {
namespace {

using namespace ::ferry::lambda;  // NOLINT: the domain types under test

// A snapshot as the lambda.snapshot task reads it, or as Ferry recorded it.
Snapshot Read(ObservedFunction f) { return Snapshot{std::move(f), SnapshotSource::kRead}; }
Snapshot Recorded(ObservedFunction f) { return Snapshot{std::move(f), SnapshotSource::kRecorded}; }

using fixtures::Desired;
using fakes::FakeLambdaApi;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

DesiredFunction Build(const std::string& sha, const std::string& name = "orders-api-dev") {
  DesiredFunction d = Desired();
  d.function_name = name;
  d.code.code_sha256 = sha;
  return d;
}

TEST(DeployerTest, FirstDeployCreatesPublishesAndRecordsEverything) {
  FakeLambdaApi api;
  std::vector<std::string> lines;
  std::mutex mu;
  LambdaDeployer deployer(api, {.log = [&](const std::string& l) {
                            std::lock_guard lock(mu);
                            lines.push_back(l);
                          }});
  FunctionDeployment r = deployer.Deploy(Build("SHA-1"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_FALSE(r.snapshot.exists);
  EXPECT_EQ(r.version, "1");
  EXPECT_EQ(r.code_sha256, "SHA-1");
  EXPECT_EQ(r.function_arn, "arn:aws:lambda:us-east-1:000000000000:function:orders-api-dev");
  ASSERT_EQ(r.aliases.size(), 1u);
  EXPECT_EQ(r.aliases[0].name, "dev");
  EXPECT_EQ(r.aliases[0].version, "1");
  EXPECT_EQ(r.managed_tags, (std::set<std::string>{"team"}));
  EXPECT_THAT(api.Calls(),
              ElementsAre("CreateFunction orders-api-dev", "WaitUntilActive orders-api-dev",
                          "PublishVersion orders-api-dev", "CreateAlias orders-api-dev"));
  ASSERT_EQ(r.calls.size(), 5u);  // the snapshot read + 4 calls
  for (const auto& call : r.calls) EXPECT_FALSE(call.request_ids.empty()) << call.operation;
  EXPECT_EQ(r.MutatingCalls(), 3);
  for (const auto& line : lines) EXPECT_THAT(line, Not(HasSubstr("s3cr3t"))) << line;
}

TEST(DeployerTest, SecondIdenticalDeployMakesNoMutatingCall) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
  FunctionDeployment again = deployer.Deploy(Build("SHA-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.MutatingCalls(), 0);
  EXPECT_EQ(again.version, "1");
  EXPECT_EQ(api.publishes(), 1);
}

TEST(DeployerTest, UpdateAndRedeployOfAnOldBuildReuseVersions) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
  FunctionDeployment two = deployer.Deploy(Build("SHA-2"));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two.version, "2");
  EXPECT_EQ(two.snapshot.FindAlias("dev")->version, "1");
  FunctionDeployment back = deployer.Deploy(Build("SHA-1"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.version, "1") << "version 1 has this code and configuration: nothing published";
  EXPECT_EQ(api.publishes(), 2);
}

TEST(DeployerTest, UnknownShaIsLearnedWithDryRun) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  ASSERT_TRUE(deployer.Deploy(Build("")).ok());
  FunctionDeployment again = deployer.Deploy(Build(""));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.MutatingCalls(), 0);
  EXPECT_EQ(again.calls[1].operation, "UpdateFunctionCode(DryRun)");
}

// A service's functions built from one package learn its CodeSha256 with one DryRun between
// them, not one each (every DryRun is a call against the 15/s control-plane quota).
TEST(DeployerTest, FunctionsFromOnePackageShareOneDryRun) {
  FakeLambdaApi api;
  std::vector<DesiredFunction> functions;
  for (int i = 0; i < 9; ++i) functions.push_back(Build("SHA-1", "fn-" + std::to_string(i)));
  for (const auto& r : LambdaDeployer(api).DeployAll(functions)) ASSERT_TRUE(r.ok());

  for (auto& f : functions) {
    f.code.s3_key = "orders/1.3.0.zip";
    f.code.code_sha256.clear();
  }
  functions[8].code.s3_key = "orders/other.zip";  // another package: its own DryRun
  LambdaDeployer deployer(api, {.concurrency = 4});
  auto results = deployer.DeployAll(functions);
  int dry_runs = 0;
  for (const auto& call : api.Calls()) dry_runs += call.rfind("UpdateFunctionCode(DryRun)", 0) == 0;
  EXPECT_EQ(dry_runs, 2);
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.function_name << ": " << r.error->message;
    EXPECT_EQ(r.code_sha256, r.function_name == "fn-8" ? "sha-of-artifacts/orders/other.zip"
                                                       : "sha-of-artifacts/orders/1.3.0.zip");
    EXPECT_EQ(r.version, "2") << r.function_name << ": the new code was published";
    EXPECT_EQ(r.version_count, 2);
  }
}

// A failure (a crash, from the deployment's point of view) at every call in turn; a second run
// with the recorded snapshot finishes the deployment with the same end state as a clean run and
// never publishes twice.
TEST(DeployerTest, ResumesAfterAFailureAtAnyCallWithoutDoingAnythingTwice) {
  for (int fail_at = 0; fail_at < 12; ++fail_at) {
    SCOPED_TRACE("failing call " + std::to_string(fail_at));
    FakeLambdaApi api;
    // No transient retries: the first run fails at the call, a second run resumes. The second
    // run is a later attempt of the task, which reads everything again (its snapshot predates
    // the first run's changes).
    LambdaDeployer deployer(api, {.max_transient_retries = 0, .reuse_recorded_lists = false});
    ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
    DesiredFunction next = Build("SHA-2");
    next.config.memory_mb = 1024;
    next.aliases = {"dev", "live"};
    int n = 0;
    api.fault = [&](const std::string&, const std::string&) -> std::optional<Error> {
      if (n++ == fail_at) return Error{ErrorCode::kUnavailable, "connection reset"};
      return std::nullopt;
    };
    FunctionDeployment first = deployer.Deploy(next);
    api.fault = nullptr;
    const Snapshot recorded = Read(first.snapshot);
    FunctionDeployment second = deployer.Deploy(next, first.snapshot_taken ? &recorded : nullptr);
    ASSERT_TRUE(second.ok()) << second.error->message;
    EXPECT_EQ(second.version, "2");
    EXPECT_EQ(api.publishes(), 2);
    const auto& f = api.World().at("orders-api-dev");
    EXPECT_EQ(f.FindAlias("dev")->version, "2");
    EXPECT_EQ(f.FindAlias("live")->version, "2");
    EXPECT_EQ(f.config.memory_mb, 1024);
    if (first.snapshot_taken) {
      ASSERT_NE(second.snapshot.FindAlias("dev"), nullptr);
      EXPECT_EQ(second.snapshot.FindAlias("dev")->version, "1");
    }
    EXPECT_EQ(deployer.Deploy(next).MutatingCalls(), 0);
  }
}

// What the lambda.snapshot task records: the function with environment values redacted.
Snapshot RecordedSnapshot(FakeLambdaApi& api, const std::string& name = "orders-api-dev") {
  ObservedFunction f = api.World().at(name);
  for (auto& [key, value] : f.config.environment) value.clear();
  for (auto& v : f.versions) {
    for (auto& [key, value] : v.config.environment) value.clear();
  }
  return Read(std::move(f));
}

// With the snapshot recorded just before, only GetFunction is read again: ListVersionsByFunction
// and ListAliases count against Lambda's 15/s control-plane quota, GetFunction does not.
TEST(DeployerTest, WithARecordedSnapshotOnlyGetFunctionIsReadAgain) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
  const Snapshot snapshot = RecordedSnapshot(api);
  const int full_reads = api.full_reads();

  FunctionDeployment r = deployer.Deploy(Build("SHA-2"), &snapshot);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(api.full_reads(), full_reads) << "no list was read again";
  EXPECT_EQ(api.latest_reads(), 1);
  EXPECT_EQ(r.calls[0].operation, "GetFunction");
  EXPECT_EQ(r.version, "2");
  EXPECT_EQ(r.version_count, 2);
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("dev")->version, "2");
  EXPECT_EQ(r.snapshot.FindAlias("dev")->version, "1") << "the rollback target is the snapshot";

  // A later attempt of the task reads everything.
  LambdaDeployer later(api, {.reuse_recorded_lists = false});
  ASSERT_TRUE(later.Deploy(Build("SHA-3"), &snapshot).ok());
  EXPECT_EQ(api.full_reads(), full_reads + 1);
  EXPECT_EQ(api.latest_reads(), 1);
}

// The snapshot's versions have no environment values, so a version with the code being deployed
// is compared only after reading the versions for real: an environment that differs only in a
// (redacted) value must publish a new version, not reuse the old one.
TEST(DeployerTest, ARecordedVersionWithTheDeployedCodeIsComparedOnlyAfterAFullRead) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  DesiredFunction one = Build("SHA-1");
  one.config.environment = {{"TOKEN", "secret-a"}};
  ASSERT_TRUE(deployer.Deploy(one).ok());
  DesiredFunction blank = Build("SHA-1");
  blank.config.environment = {{"TOKEN", ""}};  // what the redacted version 1 shows
  Snapshot snapshot = RecordedSnapshot(api);
  FunctionDeployment r = deployer.Deploy(blank, &snapshot);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.version, "2") << "version 1 holds TOKEN=secret-a";
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("dev")->version, "2");
  EXPECT_GE(api.full_reads(), 2);

  // Same code and configuration as version 2: after the full read, nothing is published.
  snapshot = RecordedSnapshot(api);
  FunctionDeployment again = deployer.Deploy(blank, &snapshot);
  ASSERT_TRUE(again.ok()) << again.error->message;
  EXPECT_EQ(again.MutatingCalls(), 0);
  EXPECT_EQ(again.version, "2");
  EXPECT_EQ(api.publishes(), 2);
}

// An alias moved, created or deleted since the snapshot: its guard (or its absence) makes the
// deployer read everything and decide again.
TEST(DeployerTest, AnAliasChangedSinceTheSnapshotIsReadAgainNotOverwrittenBlindly) {
  for (const std::string change : {"moved", "created", "deleted"}) {
    SCOPED_TRACE(change);
    FakeLambdaApi api;
    LambdaDeployer deployer(api);
    DesiredFunction first = Build("SHA-1");
    first.aliases = {"dev", "live"};
    ASSERT_TRUE(deployer.Deploy(first).ok());
    auto& aliases = api.World().at("orders-api-dev").aliases;
    if (change == "created")
      std::erase_if(aliases, [](const AliasState& a) { return a.name == "live"; });
    const Snapshot snapshot = RecordedSnapshot(api);
    if (change == "moved") {
      for (auto& a : aliases) a.revision_id = api.NewRevisionForTest();  // someone touched them
    } else if (change == "created") {
      aliases.push_back(AliasState{"live", "1", {}, api.NewRevisionForTest(), "arn:live"});
    } else {
      std::erase_if(aliases, [](const AliasState& a) { return a.name == "live"; });
    }
    DesiredFunction next = Build("SHA-2");
    next.aliases = first.aliases;
    FunctionDeployment r = deployer.Deploy(next, &snapshot);
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.version, "2");
    const auto& f = api.World().at("orders-api-dev");
    EXPECT_EQ(f.FindAlias("dev")->version, "2");
    ASSERT_NE(f.FindAlias("live"), nullptr);
    EXPECT_EQ(f.FindAlias("live")->version, "2");
    EXPECT_EQ(api.full_reads(), 2) << "the first deploy's read and one after the stale alias";
    EXPECT_EQ(api.publishes(), 2);
  }
}

// Ferry's record of what it last left the function as, confirmed by the guards of the calls
// themselves: GetFunction (outside the 15/s quota) and exactly the three calls the quota must
// carry — UpdateFunctionCode, PublishVersion, UpdateAlias.
TEST(DeployerTest, ARecordedSnapshotThatHoldsCostsOnlyTheThreeQuotaBoundCalls) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  FunctionDeployment first = deployer.Deploy(Build("SHA-1"));
  ASSERT_TRUE(first.ok() && first.after) << first.error->message;
  EXPECT_TRUE(first.snapshot_confirmed) << "no snapshot given: the first read is the snapshot";
  const int full_reads = api.full_reads();
  api.Calls();  // (the record of the first deployment's calls is not under test)

  const Snapshot recorded = Recorded(*first.after);
  FunctionDeployment r = deployer.Deploy(Build("SHA-2"), &recorded);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(api.full_reads(), full_reads) << "no ListVersionsByFunction, no ListAliases";
  std::vector<std::string> mutating;
  for (const auto& c : r.calls) {
    if (c.mutating) mutating.push_back(c.operation);
  }
  EXPECT_THAT(mutating, ElementsAre("UpdateFunctionCode", "PublishVersion", "UpdateAlias"));
  EXPECT_FALSE(r.snapshot_confirmed) << "nothing read it; the alias guard confirmed dev alone";
  EXPECT_THAT(r.moved_aliases, ElementsAre("dev"));
  EXPECT_EQ(r.snapshot.FindAlias("dev")->version, "1") << "the rollback target";
  ASSERT_TRUE(r.after.has_value());
  EXPECT_EQ(r.after->FindAlias("dev")->version, "2");
  EXPECT_EQ(r.after->FindAlias("dev")->revision_id,
            api.World().at("orders-api-dev").FindAlias("dev")->revision_id)
      << "the next deployment's guard";
  EXPECT_EQ(r.after->versions.size(), 2u);
  EXPECT_EQ(r.after->config.memory_mb, api.World().at("orders-api-dev").config.memory_mb)
      << "$LATEST's configuration is recorded, for drift (the codecs redact environment values)";
  for (const auto& v : r.after->versions) {
    EXPECT_TRUE(v.config.environment.empty()) << "versions carry no configuration";
  }

  // The next deployment starts from this one's record, and so on.
  const Snapshot next = Recorded(*r.after);
  FunctionDeployment third = deployer.Deploy(Build("SHA-3"), &next);
  ASSERT_TRUE(third.ok()) << third.error->message;
  EXPECT_EQ(third.version, "3");
  EXPECT_EQ(api.full_reads(), full_reads);
}

// An alias moved outside Ferry since Ferry's record: its guard fails, the deployer reads
// everything, finds the record stale and stops before moving that alias — reporting the corrected
// rollback target. Deployed again with it, the deployment completes, and a rollback puts the
// alias back where the outside change had left it, not where Ferry's record said.
TEST(DeployerTest, AnAliasMovedOutsideFerryIsReportedAndTheRollbackTargetCorrected) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  DesiredFunction d = Build("SHA-1");
  d.aliases = {"dev", "live"};
  ASSERT_TRUE(deployer.Deploy(d).ok());
  d.code.code_sha256 = "SHA-2";
  FunctionDeployment second = deployer.Deploy(d);
  ASSERT_TRUE(second.ok() && second.after);
  // Someone moves live back to version 1 with the console.
  for (auto& a : api.World().at("orders-api-dev").aliases) {
    if (a.name == "live") {
      a.version = "1";
      a.revision_id = api.NewRevisionForTest();
    }
  }
  d.code.code_sha256 = "SHA-3";
  const Snapshot recorded = Recorded(*second.after);
  FunctionDeployment r = deployer.Deploy(d, &recorded);
  EXPECT_FALSE(r.error.has_value()) << r.error->message;
  ASSERT_TRUE(r.drifted);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.drift, HasSubstr("alias live was moved outside Ferry (version 2 → 1"));
  EXPECT_EQ(r.snapshot.FindAlias("live")->version, "1") << "corrected";
  EXPECT_EQ(r.snapshot.FindAlias("dev")->version, "2") << "moved by this run: as recorded";
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("live")->version, "1") << "not moved";

  // The engine records the corrected snapshot, then deploys again, reading everything.
  LambdaDeployer again(api, {.reuse_recorded_lists = false});
  const Snapshot corrected = Read(r.snapshot);
  FunctionDeployment done = again.Deploy(d, &corrected);
  ASSERT_TRUE(done.ok()) << done.error->message;
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("live")->version, done.version);
  auto reports = deployer.RollbackAll(fakes::Targets({done}));
  ASSERT_FALSE(reports[0].error.has_value()) << reports[0].error->message;
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("live")->version, "1");
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("dev")->version, "2");
}

// A function deleted (or replaced) outside Ferry since its record: reported before any change.
TEST(DeployerTest, AFunctionGoneSinceFerrysRecordIsReportedBeforeAnyChange) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  FunctionDeployment first = deployer.Deploy(Build("SHA-1"));
  ASSERT_TRUE(first.after);
  api.World().erase("orders-api-dev");
  const Snapshot recorded = Recorded(*first.after);
  FunctionDeployment r = deployer.Deploy(Build("SHA-2"), &recorded);
  ASSERT_TRUE(r.drifted);
  EXPECT_THAT(r.drift, HasSubstr("deleted outside Ferry"));
  EXPECT_FALSE(r.snapshot.exists) << "rolling back its redeployment deletes what it creates";
  EXPECT_EQ(r.MutatingCalls(), 0);
  EXPECT_EQ(api.World().count("orders-api-dev"), 0u);
}

// A later attempt of a task, after the first was lost midway: an alias found on a version newer
// than any Ferry's record knows was moved by the earlier attempt (its guard held), not by someone
// else — so it is no drift, and the recorded state stays its rollback target.
TEST(DeployerTest, ALaterAttemptTakesAliasesOnNewerVersionsAsItsOwn) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  FunctionDeployment first = deployer.Deploy(Build("SHA-1"));
  ASSERT_TRUE(first.after);
  const Snapshot recorded = Recorded(*first.after);
  ASSERT_TRUE(deployer.Deploy(Build("SHA-2"), &recorded).ok());  // the attempt that was lost

  LambdaDeployer retry(api, {.reuse_recorded_lists = false, .earlier_attempts = true});
  FunctionDeployment r = retry.Deploy(Build("SHA-2"), &recorded);
  ASSERT_TRUE(r.ok()) << (r.error ? r.error->message : r.drift);
  EXPECT_EQ(r.MutatingCalls(), 0);
  EXPECT_EQ(r.snapshot.FindAlias("dev")->version, "1");
  EXPECT_THAT(r.moved_aliases, ElementsAre("dev"));
  // Without that knowledge, the same read is drift.
  LambdaDeployer fresh(api, {.reuse_recorded_lists = false});
  EXPECT_TRUE(fresh.Deploy(Build("SHA-2"), &recorded).drifted);
}

TEST(DeployerTest, GuardFailureRereadsAndDecidesAgain) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
  bool moved = false;
  api.fault = [&](const std::string& op, const std::string&) -> std::optional<Error> {
    if (op == "UpdateFunctionCode" && !moved) {
      moved = true;  // somebody else changed $LATEST after our read
      api.World().at("orders-api-dev").revision_id = api.NewRevisionForTest();
    }
    return std::nullopt;
  };
  FunctionDeployment r = deployer.Deploy(Build("SHA-2"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.version, "2");
  int guard_errors = 0;
  for (const auto& call : r.calls) guard_errors += call.error.find("failed_precondition") == 0;
  EXPECT_EQ(guard_errors, 1);
}

TEST(DeployerTest, FailedUpdateStopsAndRollbackRestoresAliasesExactly) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  DesiredFunction d = Build("SHA-1");
  d.aliases = {"dev", "live"};
  ASSERT_TRUE(deployer.Deploy(d).ok());
  ASSERT_TRUE(deployer.Deploy(Build("SHA-2")).ok());  // dev → 2; live stays at 1
  auto& world = api.World().at("orders-api-dev");
  for (auto& alias : world.aliases) {
    if (alias.name == "live") alias.weights = {{"2", 0.3}};  // a canary in flight
  }
  DesiredFunction broken = Build("SHA-3");
  broken.aliases = {"dev", "live", "qa"};
  broken.config.timeout_seconds = 60;
  int calls = 0;
  api.fault = [&](const std::string& op, const std::string&) -> std::optional<Error> {
    // The configuration update fails after the code update and alias moves would have happened
    // in a different order; here the second update fails outright.
    if (op == "UpdateFunctionConfiguration" && calls++ == 0) {
      return Error{ErrorCode::kInvalidArgument,
                   "The role defined for the function cannot be "
                   "assumed by Lambda."};
    }
    return std::nullopt;
  };
  FunctionDeployment failed = deployer.Deploy(broken);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error->code, ErrorCode::kInvalidArgument);
  api.fault = nullptr;

  auto reports = deployer.RollbackAll(fakes::Targets({failed}));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].error.has_value());
  const auto& after = api.World().at("orders-api-dev");
  EXPECT_EQ(after.FindAlias("dev")->version, "2");
  EXPECT_EQ(after.FindAlias("live")->version, "1");
  EXPECT_EQ(after.FindAlias("live")->weights, (RoutingWeights{{"2", 0.3}}));
  EXPECT_EQ(after.FindAlias("qa"), nullptr);
  // Restoring an already restored function does nothing.
  EXPECT_EQ(deployer.RollbackAll(fakes::Targets({failed}))[0].calls.size(), 1u);
}

TEST(DeployerTest, RollbackOfAMidwayFailureUndoesMovedAliases) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  DesiredFunction d = Build("SHA-1");
  d.aliases = {"dev", "live"};
  ASSERT_TRUE(deployer.Deploy(d).ok());
  DesiredFunction next = d;
  next.code.code_sha256 = "SHA-2";
  next.tags["extra"] = "1";
  api.fault = [&](const std::string& op, const std::string&) -> std::optional<Error> {
    if (op == "TagResource") return Error{ErrorCode::kPermissionDenied, "not authorized"};
    return std::nullopt;
  };
  FunctionDeployment failed = deployer.Deploy(next);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("live")->version, "2");
  api.fault = nullptr;
  auto reports = deployer.RollbackAll(fakes::Targets({failed}));
  EXPECT_FALSE(reports[0].error.has_value());
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("dev")->version, "1");
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("live")->version, "1");
  int mutating = 0;
  for (const auto& c : reports[0].calls) mutating += c.mutating;
  EXPECT_EQ(mutating, 2) << "one call per alias";
}

TEST(DeployerTest, RollbackDeletesAFunctionTheDeploymentCreated) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  api.fault = [&](const std::string& op, const std::string&) -> std::optional<Error> {
    if (op == "WaitUntilActive") {
      return Error{ErrorCode::kFailedPrecondition,
                   "function failed to become Active: InvalidZipFileException"};
    }
    return std::nullopt;
  };
  FunctionDeployment failed = deployer.Deploy(Build("SHA-1"));
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(failed.error->message, HasSubstr("InvalidZipFileException"));
  api.fault = nullptr;
  ASSERT_EQ(api.World().count("orders-api-dev"), 1u);
  deployer.RollbackAll(fakes::Targets({failed}), /*keep_created_functions=*/true);
  EXPECT_EQ(api.World().count("orders-api-dev"), 1u);
  deployer.RollbackAll(fakes::Targets({failed}));
  EXPECT_EQ(api.World().count("orders-api-dev"), 0u);
}

TEST(DeployerTest, RollbackRereadsWhenAnAliasMovesUnderIt) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
  FunctionDeployment second = deployer.Deploy(Build("SHA-2"));
  bool moved = false;
  api.fault = [&](const std::string& op, const std::string&) -> std::optional<Error> {
    if (op == "UpdateAlias" && !moved) {
      moved = true;
      api.World().at("orders-api-dev").aliases[0].revision_id = api.NewRevisionForTest();
    }
    return std::nullopt;
  };
  auto report = deployer.Rollback(second.snapshot, {.deployed_aliases = {"dev"}});
  EXPECT_FALSE(report.error.has_value());
  EXPECT_EQ(api.World().at("orders-api-dev").FindAlias("dev")->version, "1");
}

TEST(DeployerTest, DeployAllRespectsTheConcurrencyBoundAndStopsStartingAfterAFailure) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api, {.concurrency = 3});
  std::vector<DesiredFunction> functions;
  for (int i = 0; i < 12; ++i) functions.push_back(Build("SHA-1", "fn-" + std::to_string(i)));
  auto results = deployer.DeployAll(functions);
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.function_name;
  EXPECT_LE(api.max_in_flight(), 3);
  EXPECT_EQ(api.World().size(), 12u);

  LambdaDeployer serial(api, {.concurrency = 1});
  for (auto& f : functions) f.code.code_sha256 = "SHA-2";
  api.fault = [&](const std::string& op, const std::string& fn) -> std::optional<Error> {
    if (op == "UpdateFunctionCode" && fn == "fn-2") return Error{ErrorCode::kNotFound, "no key"};
    return std::nullopt;
  };
  results = serial.DeployAll(functions);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  EXPECT_FALSE(results[2].ok());
  EXPECT_TRUE(results[2].started);
  for (size_t i = 3; i < results.size(); ++i) EXPECT_FALSE(results[i].started) << i;
  auto reports = serial.RollbackAll(fakes::Targets(results));
  EXPECT_EQ(reports.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(api.World().at("fn-" + std::to_string(i)).FindAlias("dev")->version, "1");
  }
}

TEST(DeployerTest, AbortStopsBeforeTheNextCall) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  std::stop_source stop;
  api.fault = [&](const std::string& op, const std::string&) -> std::optional<Error> {
    if (op == "CreateFunction") stop.request_stop();
    return std::nullopt;
  };
  FunctionDeployment r = deployer.Deploy(Build("SHA-1"), nullptr, stop.get_token());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, ErrorCode::kCancelled);
}

TEST(DeployerTest, PruneKeepsNewestAndReferencedVersions) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  DesiredFunction d = Build("SHA-0");
  d.aliases = {"dev", "live"};
  ASSERT_TRUE(deployer.Deploy(d).ok());  // live stays at version 1 from here on
  d.aliases = {"dev"};
  for (int i = 1; i <= 12; ++i)
    ASSERT_TRUE(deployer.Deploy(Build("SHA-" + std::to_string(i))).ok());
  ASSERT_EQ(api.World().at("orders-api-dev").versions.size(), 13u);
  PruneReport report = deployer.Prune("orders-api-dev", {.keep = 10, .protected_versions = {"2"}});
  EXPECT_FALSE(report.error.has_value());
  EXPECT_THAT(report.deleted, ElementsAre("3"));
  std::vector<std::string> left;
  for (const auto& v : api.World().at("orders-api-dev").versions) left.push_back(v.version);
  EXPECT_THAT(left, ElementsAre("1", "2", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"));
  EXPECT_THAT(deployer.Prune("orders-api-dev", {.keep = 10, .protected_versions = {"2"}}).deleted,
              IsEmpty());
}

TEST(DeployerTest, InvalidDesiredFunctionFailsWithoutAnyCall) {
  FakeLambdaApi api;
  LambdaDeployer deployer(api);
  DesiredFunction d = Build("SHA-1");
  d.config.role.clear();
  FunctionDeployment r = deployer.Deploy(d);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(api.Calls(), IsEmpty());
}

// A storm of throttling / 5xx errors the aws client's retries did not outlast: the deployer
// reads again and decides again (backing off), so the deploy completes and a call that took
// effect before its error is not repeated.
TEST(DeployerTest, RidesOutTransientErrorsWithoutDoingAnythingTwice) {
  for (int fail_at = 0; fail_at < 12; ++fail_at) {
    SCOPED_TRACE("failing call " + std::to_string(fail_at));
    FakeLambdaApi api;
    FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
    LambdaDeployer deployer(api, {.clock = &clock});
    ASSERT_TRUE(deployer.Deploy(Build("SHA-1")).ok());
    DesiredFunction next = Build("SHA-2");
    next.aliases = {"dev", "live"};
    int n = 0;
    api.fault = [&](const std::string&, const std::string&) -> std::optional<Error> {
      // Two consecutive failures from fail_at on: throttled, then unavailable.
      ++n;
      if (n - 1 == fail_at) return Error{ErrorCode::kTooManyRequests, "Rate exceeded"};
      if (n - 1 == fail_at + 1) return Error{ErrorCode::kUnavailable, "ServiceException"};
      return std::nullopt;
    };
    FunctionDeployment r = deployer.Deploy(next);
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.version, "2");
    EXPECT_EQ(api.publishes(), 2);
    if (n > fail_at) {
      EXPECT_GT(clock.TotalSlept(), Duration::zero()) << "a fault was injected";
    }
    EXPECT_EQ(deployer.Deploy(next).MutatingCalls(), 0);
  }
}

TEST(DeployerTest, GivesUpAfterTheTransientRetryBudget) {
  FakeLambdaApi api;
  FakeClock clock(TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true);
  LambdaDeployer deployer(api, {.max_transient_retries = 3, .clock = &clock});
  api.fault = [](const std::string&, const std::string&) -> std::optional<Error> {
    return Error{ErrorCode::kTooManyRequests, "Rate exceeded"};
  };
  FunctionDeployment r = deployer.Deploy(Build("SHA-1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(r.calls.size(), 4u);  // the first read and three retries
  // 500 ms, 1 s, 2 s.
  EXPECT_EQ(clock.TotalSlept(), std::chrono::milliseconds(3500));
}

}  // namespace
}  // namespace ferry::delegate
