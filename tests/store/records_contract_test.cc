// Contract: ArtifactStore, TokenStore and DeploymentStore.
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

using std::chrono::seconds;

NewArtifact Zip(std::string version,
                std::string sha = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c=") {
  return NewArtifact{.source = "builds",
                     .key = "shop/checkout.zip",
                     .version = std::move(version),
                     .location_json = R"({"s3Bucket":"b","s3Key":"shop/checkout.zip"})",
                     .size_bytes = 1234,
                     .code_sha256 = std::move(sha)};
}

TEST_P(StoreContractTest, ArtifactsAreRecordedOnceAndImmutable) {
  auto& artifacts = store().artifacts();
  auto first = artifacts.Record(Zip("v1"), "poller");
  FERRY_ASSERT_OK(first);
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->artifact.first_seen_at, clock_.Now());
  clock_.Advance(seconds(60));
  auto again = artifacts.Record(Zip("v1"), "poller");
  FERRY_ASSERT_OK(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->artifact.id, first->artifact.id);
  EXPECT_EQ(again->artifact.last_seen_at, clock_.Now());
  EXPECT_EQ(again->artifact.first_seen_at, first->artifact.first_seen_at);

  auto changed = artifacts.Record(Zip("v1", "different="), "poller");
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, ErrorCode::kConflict);
  EXPECT_NE(changed.error().message.find("never change"), std::string::npos);

  clock_.Advance(seconds(1));
  auto v2 = artifacts.Record(Zip("v2", "other="), "poller");
  FERRY_ASSERT_OK(v2);
  auto found = artifacts.Find("builds", "shop/checkout.zip", "v1");
  FERRY_ASSERT_OK(found);
  EXPECT_EQ(found->id, first->artifact.id);
  EXPECT_EQ(found->size_bytes, 1234);
  EXPECT_EQ(artifacts.Find("builds", "shop/checkout.zip", "v9").error().code, ErrorCode::kNotFound);
  auto listed = artifacts.List({.source = "builds"});
  FERRY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].version, "v2");
  auto older = artifacts.List({.before_id = v2->artifact.id});
  FERRY_ASSERT_OK(older);
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ((*older)[0].version, "v1");
  // An unknown cursor is kNotFound, not an empty page that reads as "no older artifacts".
  EXPECT_EQ(artifacts.List({.before_id = "01J0000000000000000000000X"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(artifacts.List({.before_id = std::string(300, 'a')}).error().code,
            ErrorCode::kInvalidArgument);
  FERRY_ASSERT_OK(artifacts.Get(v2->artifact.id));
  EXPECT_EQ(artifacts.Get("nope").error().code, ErrorCode::kNotFound);

  auto audit = store().audit().List({.subject_type = "artifact"});
  FERRY_ASSERT_OK(audit);
  EXPECT_EQ(audit->size(), 2u);  // v1 and v2; re-seeing v1 is not a change

  // An execution can reference a recorded artifact.
  NewExecution e{.application = "shop",
                 .service = "checkout",
                 .environment = "prod",
                 .workflow = "basic",
                 .trigger = "artifact",
                 .actor = "poller",
                 .artifact_id = v2->artifact.id};
  FERRY_EXPECT_OK(store().executions().Create(e));
}

TEST_P(StoreContractTest, ArtifactsRejectBadInput) {
  auto& artifacts = store().artifacts();
  NewArtifact no_sha = Zip("v1", "");
  EXPECT_EQ(artifacts.Record(no_sha, "p").error().code, ErrorCode::kInvalidArgument);
  NewArtifact negative = Zip("v1");
  negative.size_bytes = -1;
  EXPECT_EQ(artifacts.Record(negative, "p").error().code, ErrorCode::kInvalidArgument);
  NewArtifact bad_location = Zip("v1");
  bad_location.location_json = "[]";
  EXPECT_EQ(artifacts.Record(bad_location, "p").error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(artifacts.List({})->empty());
}

TEST_P(StoreContractTest, TokensAuthenticateUntilRevokedOrExpired) {
  auto& tokens = store().tokens();
  auto issued = tokens.Issue({.name = "ci", .scopes = {"deploy", "read", "deploy"}}, "admin");
  FERRY_ASSERT_OK(issued);
  EXPECT_EQ(issued->secret.rfind("fry_", 0), 0u);
  EXPECT_EQ(issued->secret.size(), 68u);
  EXPECT_EQ(issued->record.scopes, (std::vector<std::string>{"deploy", "read"}));
  EXPECT_EQ(issued->record.created_by, "admin");

  auto who = tokens.Authenticate(issued->secret);
  FERRY_ASSERT_OK(who);
  EXPECT_EQ(who->name, "ci");
  EXPECT_EQ(who->last_used_at, clock_.Now());

  EXPECT_EQ(tokens.Issue({.name = "ci"}, "admin").error().code, ErrorCode::kConflict);
  std::string wrong = issued->secret;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& bad :
       {wrong, std::string(""), std::string("fry_"), std::string("Bearer ") + issued->secret,
        std::string(10000, 'a')}) {
    auto denied = tokens.Authenticate(bad);
    ASSERT_FALSE(denied.ok());
    EXPECT_EQ(denied.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(denied.error().message.find(issued->secret), std::string::npos);
  }

  auto revoked = tokens.Revoke("ci", "admin");
  FERRY_ASSERT_OK(revoked);
  EXPECT_EQ(revoked->revoked_at, clock_.Now());
  EXPECT_EQ(tokens.Authenticate(issued->secret).error().code, ErrorCode::kUnauthenticated);
  FERRY_EXPECT_OK(tokens.Revoke("ci", "admin"));  // idempotent
  EXPECT_EQ(tokens.Revoke("nope", "admin").error().code, ErrorCode::kNotFound);

  auto expiring = tokens.Issue({.name = "temp", .expires_at = clock_.Now() + seconds(60)}, "admin");
  FERRY_ASSERT_OK(expiring);
  FERRY_ASSERT_OK(tokens.Authenticate(expiring->secret));
  clock_.Advance(seconds(60));
  EXPECT_EQ(tokens.Authenticate(expiring->secret).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(tokens.Issue({.name = "past", .expires_at = clock_.Now()}, "admin").error().code,
            ErrorCode::kInvalidArgument);

  auto listed = tokens.List();
  FERRY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "ci");
  auto audit = store().audit().List({.subject_type = "token"});
  FERRY_ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 3u);  // issue ci, revoke ci, issue temp
  for (const auto& event : *audit) {
    EXPECT_EQ(event.details_json.find(issued->secret), std::string::npos);
    EXPECT_EQ(event.details_json.find(expiring->secret), std::string::npos);
  }
}

TEST_P(StoreContractTest, TokenSecretsAreUniqueAndLastUsedIsCoarse) {
  auto& tokens = store().tokens();
  auto a = tokens.Issue({.name = "a"}, "admin");
  auto b = tokens.Issue({.name = "b"}, "admin");
  FERRY_ASSERT_OK(a);
  FERRY_ASSERT_OK(b);
  EXPECT_NE(a->secret, b->secret);
  FERRY_ASSERT_OK(tokens.Authenticate(a->secret));
  TimePoint first_use = clock_.Now();
  clock_.Advance(seconds(10));
  EXPECT_EQ(tokens.Authenticate(a->secret)->last_used_at, first_use);
  clock_.Advance(seconds(60));
  EXPECT_EQ(tokens.Authenticate(a->secret)->last_used_at, clock_.Now());
}

// Issue 18: a delegate token registers one delegate name, given when it is created or bound by
// its first registration; a second binding keeps the first name.
TEST_P(StoreContractTest, DelegateTokensBindOneDelegateName) {
  auto& tokens = store().tokens();
  auto named =
      tokens.Issue({.name = "edge-eu", .scopes = {"delegate"}, .delegate_name = "eu-1"}, "admin");
  FERRY_ASSERT_OK(named);
  EXPECT_EQ(named->record.delegate_name, "eu-1");
  auto kept = tokens.BindDelegateName("edge-eu", "us-1", "token:edge-eu");
  FERRY_ASSERT_OK(kept);
  EXPECT_EQ(kept->delegate_name, "eu-1");
  EXPECT_FALSE(kept->bound_now);

  auto open = tokens.Issue({.name = "edge", .scopes = {"delegate"}}, "admin");
  FERRY_ASSERT_OK(open);
  EXPECT_FALSE(open->record.delegate_name);
  auto first = tokens.BindDelegateName("edge", "ap-1", "token:edge");
  FERRY_ASSERT_OK(first);
  EXPECT_EQ(first->delegate_name, "ap-1");
  EXPECT_TRUE(first->bound_now);
  auto second = tokens.BindDelegateName("edge", "ap-2", "token:edge");
  FERRY_ASSERT_OK(second);
  EXPECT_EQ(second->delegate_name, "ap-1");
  EXPECT_FALSE(second->bound_now);
  EXPECT_EQ(tokens.Authenticate(open->secret)->delegate_name, "ap-1");

  EXPECT_EQ(tokens.BindDelegateName("nope", "ap-1", "x").error().code, ErrorCode::kNotFound);
  for (const std::string& bad : {std::string(""), std::string(300, 'a'), std::string("a\nb")}) {
    EXPECT_EQ(tokens.BindDelegateName("edge", bad, "x").error().code, ErrorCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(tokens.Issue({.name = "bad", .scopes = {"delegate"}, .delegate_name = ""}, "admin")
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  auto audit = store().audit().List({.action = "token.bind-delegate"});
  FERRY_ASSERT_OK(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].actor, "token:edge");
  EXPECT_NE((*audit)[0].details_json.find("ap-1"), std::string::npos);
}

TEST_P(StoreContractTest, DeploymentRecordsSupportRollbackAndPruning) {
  ExecutionRecord first = CreateExecution();
  auto& deployments = store().deployments();
  NewDeployment api{.execution_id = first.id,
                    .application = "shop",
                    .service = "checkout",
                    .environment = "prod",
                    .function = "api",
                    .function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:shop-api",
                    .version = "3",
                    .code_sha256 = "abc=",
                    .snapshot_json = R"({"aliases":{"prod":{"version":"2"}}})",
                    .aliases_json = R"({"prod":{"version":"3"}})"};
  auto recorded = deployments.Record(api, "engine");
  FERRY_ASSERT_OK(recorded);
  EXPECT_EQ(recorded->version, "3");
  EXPECT_EQ(recorded->state, DeploymentState::kSucceeded);
  // A resumed step records again: same row, updated.
  api.version = "4";
  auto rerecorded = deployments.Record(api, "engine");
  FERRY_ASSERT_OK(rerecorded);
  EXPECT_EQ(rerecorded->id, recorded->id);
  EXPECT_EQ(rerecorded->version, "4");
  FERRY_ASSERT_OK(deployments.Record(api, "engine"));  // identical: not audited again

  clock_.Advance(seconds(10));
  ExecutionRecord second = CreateExecution();
  NewDeployment later = api;
  later.execution_id = second.id;
  later.version = "5";
  auto newer = deployments.Record(later, "engine");
  FERRY_ASSERT_OK(newer);
  auto rolled = deployments.SetState(newer->id, DeploymentState::kRolledBack, "engine");
  FERRY_ASSERT_OK(rolled);
  EXPECT_EQ(rolled->state, DeploymentState::kRolledBack);

  // Rollback target: the newest succeeded deployment of the function.
  auto good = deployments.List({.application = "shop",
                                .service = "checkout",
                                .environment = "prod",
                                .function = "api",
                                .state = DeploymentState::kSucceeded,
                                .limit = 1});
  FERRY_ASSERT_OK(good);
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ((*good)[0].execution_id, first.id);
  EXPECT_EQ((*good)[0].snapshot_json, R"({"aliases":{"prod":{"version":"2"}}})");
  // Pruning: every recorded version of the function, newest first.
  auto all = deployments.List({.function = "api"});
  FERRY_ASSERT_OK(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].version, "5");
  EXPECT_EQ(deployments.List({.execution_id = second.id})->size(), 1u);

  auto audit = store().audit().List({.subject_type = "deployment"});
  FERRY_ASSERT_OK(audit);
  EXPECT_EQ(audit->size(), 4u);  // record, update, record, state

  EXPECT_EQ(deployments.SetState("nope", DeploymentState::kFailed, "e").error().code,
            ErrorCode::kNotFound);
  NewDeployment orphan = api;
  orphan.execution_id = "nope";
  EXPECT_EQ(deployments.Record(orphan, "engine").error().code, ErrorCode::kNotFound);
  NewDeployment bad = api;
  bad.aliases_json = "{";
  EXPECT_EQ(deployments.Record(bad, "engine").error().code, ErrorCode::kInvalidArgument);
}

// Records `functions` for a fresh execution; the records in recording order.
std::vector<DeploymentRecord> RecordAll(DeploymentStore& deployments, const ExecutionRecord& e,
                                        const std::vector<std::string>& functions) {
  std::vector<DeploymentRecord> out;
  for (const std::string& f : functions) {
    auto r = deployments.Record({.execution_id = e.id,
                                 .application = "shop",
                                 .service = "checkout",
                                 .environment = "prod",
                                 .function = f,
                                 .version = "1"},
                                "engine");
    if (!r.ok()) {
      ADD_FAILURE() << r.error().ToString();
      return out;
    }
    out.push_back(*std::move(r));
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<DeploymentRecord>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

TEST_P(StoreContractTest, DeploymentPagesYieldEveryRecordOnceNewestFirst) {
  auto& deployments = store().deployments();
  // Three executions a second apart, three functions each: records of one execution share a
  // creation time, so the id breaks the tie.
  std::vector<std::string> recorded;
  std::vector<ExecutionRecord> executions;
  for (int i = 0; i < 3; ++i) {
    executions.push_back(CreateExecution());
    for (const auto& r : RecordAll(deployments, executions.back(), {"api", "worker", "cron"}))
      recorded.push_back(r.id);
    clock_.Advance(seconds(1));
  }
  ASSERT_EQ(recorded.size(), 9u);
  // A resumed step re-records an old record later: it keeps its place.
  FERRY_ASSERT_OK(deployments.Record({.execution_id = executions[0].id,
                                      .application = "shop",
                                      .service = "checkout",
                                      .environment = "prod",
                                      .function = "worker",
                                      .version = "2"},
                                     "engine"));

  auto all = deployments.List({});
  FERRY_ASSERT_OK(all);
  const std::vector<std::string> newest_first(recorded.rbegin(), recorded.rend());
  EXPECT_EQ(Ids(*all), newest_first);

  std::vector<std::string> paged;
  std::optional<std::string> before;
  int pages = 0;
  while (true) {
    auto page = deployments.List({.before_id = before, .limit = 4});
    FERRY_ASSERT_OK(page);
    ++pages;
    for (const auto& r : *page) paged.push_back(r.id);
    if (page->size() < 4u) break;
    before = page->back().id;
    ASSERT_LT(pages, 10) << "paging does not end";
  }
  EXPECT_EQ(pages, 3);  // 4 + 4 + 1
  EXPECT_EQ(paged, newest_first);

  // The oldest record as the cursor: nothing is older.
  auto past_end = deployments.List({.before_id = recorded.front()});
  FERRY_ASSERT_OK(past_end);
  EXPECT_TRUE(past_end->empty());
}

TEST_P(StoreContractTest, DeploymentPagingCombinesWithFilters) {
  auto& deployments = store().deployments();
  std::vector<DeploymentRecord> all;
  for (int i = 0; i < 4; ++i) {
    ExecutionRecord e = CreateExecution();
    for (auto& r : RecordAll(deployments, e, {"api", "worker"})) all.push_back(r);
    clock_.Advance(seconds(1));
  }
  ASSERT_EQ(all.size(), 8u);  // api0 worker0 api1 worker1 ... oldest first
  FERRY_ASSERT_OK(deployments.SetState(all[2].id, DeploymentState::kRolledBack, "engine"));

  // Cursor matching the filter: the api records older than api2.
  auto older_api = deployments.List({.function = "api", .before_id = all[4].id});
  FERRY_ASSERT_OK(older_api);
  EXPECT_EQ(Ids(*older_api), (std::vector<std::string>{all[2].id, all[0].id}));
  // A cursor outside the filter still marks a place: api records older than worker2.
  auto before_worker = deployments.List({.function = "api", .before_id = all[5].id});
  FERRY_ASSERT_OK(before_worker);
  EXPECT_EQ(Ids(*before_worker), (std::vector<std::string>{all[4].id, all[2].id, all[0].id}));
  // With the state filter and a limit: one page of succeeded api records, then the rest.
  auto first = deployments.List({.function = "api",
                                 .state = DeploymentState::kSucceeded,
                                 .before_id = all[7].id,
                                 .limit = 1});
  FERRY_ASSERT_OK(first);
  EXPECT_EQ(Ids(*first), std::vector<std::string>{all[6].id});
  auto rest = deployments.List({.function = "api",
                                .state = DeploymentState::kSucceeded,
                                .before_id = first->back().id,
                                .limit = 10});
  FERRY_ASSERT_OK(rest);
  EXPECT_EQ(Ids(*rest), (std::vector<std::string>{all[4].id, all[0].id}));  // api1 rolled back
  // By execution: paging inside one execution's records.
  auto in_execution =
      deployments.List({.execution_id = all[7].execution_id, .before_id = all[7].id});
  FERRY_ASSERT_OK(in_execution);
  EXPECT_EQ(Ids(*in_execution), std::vector<std::string>{all[6].id});
}

TEST_P(StoreContractTest, DeploymentPagingRejectsUnknownAndMalformedCursors) {
  auto& deployments = store().deployments();
  ExecutionRecord e = CreateExecution();
  ASSERT_EQ(RecordAll(deployments, e, {"api"}).size(), 1u);

  auto unknown = deployments.List({.before_id = "01J0000000000000000000000X"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("01J0000000000000000000000X"), std::string::npos);
  // An execution's id is not a deployment record's id.
  EXPECT_EQ(deployments.List({.before_id = e.id}).error().code, ErrorCode::kNotFound);

  for (const std::string& bad : {std::string(), std::string(300, 'x'), std::string("a\nb"),
                                 std::string("a\0b", 3), std::string("\x7f")}) {
    auto r = deployments.List({.before_id = bad});
    ASSERT_FALSE(r.ok()) << "cursor of " << bad.size() << " bytes";
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().ToString();
  }
}

}  // namespace
}  // namespace ferry::store::testing
