// The contract suite on PostgreSQL against a real server (support/postgres_server.h: Debian's
// PostgreSQL 15, initdb'd into a temporary directory for this binary, one fresh database per
// test), plus what only the PostgreSQL implementation promises: migrations under an advisory
// lock, several Store instances (replicas) on one database, change notifications between them
// (LISTEN/NOTIFY), passwords masked in errors. No mock: when PostgreSQL is missing the tests
// fail saying so.
#include "store/postgres/postgres_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/secret_mask.h"
#include "store_contract.h"
#include "support/postgres_server.h"
#include "support/prerequisite.h"

namespace ferry::store::testing {

namespace {

class PostgresHarness final : public StoreHarness {
 public:
  explicit PostgresHarness(std::string url) : url_(std::move(url)) {}
  Result<std::unique_ptr<Store>> Open(Clock& clock, IdGenerator& ids) override {
    return OpenPostgresStore(PostgresOptions{.url = url_}, clock, ids);
  }
  Status ExecuteSql(const std::string& sql) override {
    test::ChildProcess::Outcome psql = test::ChildProcess::Run(
        {"/usr/lib/postgresql/15/bin/psql", "-q", "-v", "ON_ERROR_STOP=1", url_, "-c", sql},
        {.stderr_to_stdout = true});
    if (psql.exit_code != 0) return FailedPrecondition(psql.out);
    return Ok();
  }

 private:
  std::string url_;
};

std::unique_ptr<StoreHarness> MakePostgresHarness() {
  std::string missing = test::MissingPostgres();
  if (!missing.empty()) {
    ADD_FAILURE() << missing;
    return nullptr;
  }
  test::PostgresServer& server = test::SharedPostgres();
  std::string url = server.CreateDatabase();
  if (url.empty()) {
    ADD_FAILURE() << server.diagnostics();
    return nullptr;
  }
  return std::make_unique<PostgresHarness>(url);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest, ::testing::Values(&MakePostgresHarness));

namespace {

using std::chrono::seconds;

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_TEST_REQUIRE(test::MissingPostgres());
    ASSERT_TRUE(test::SharedPostgres().ok()) << test::SharedPostgres().diagnostics();
    url_ = test::SharedPostgres().CreateDatabase();
    ASSERT_FALSE(url_.empty()) << test::SharedPostgres().diagnostics();
  }
  std::unique_ptr<Store> Open() {
    auto store = OpenPostgresStore({.url = url_}, clock_, ids_);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::string url_;
};

// Counts the calls of a change listener; Wait returns once the count passed `seen`.
class Wakeups {
 public:
  std::function<void()> Listener() {
    return [this] {
      std::lock_guard lock(mu_);
      ++count_;
      cv_.notify_all();
    };
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }
  bool WaitBeyond(int seen) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(30), [&] { return count_ > seen; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

TEST_F(PostgresStoreTest, AppliesItsNumberedMigrationsOnceAndReopens) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto version = store->SchemaVersion();
  FERRY_ASSERT_OK(version);
  EXPECT_GE(*version, 1);
  store.reset();
  auto again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again->SchemaVersion(), *version);
}

TEST_F(PostgresStoreTest, ReplicasStartingTogetherMigrateOnce) {
  std::vector<std::unique_ptr<Store>> stores(4);
  std::vector<Status> results(4, Ok());
  {
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < stores.size(); ++i) {
      threads.emplace_back([&, i] {
        auto opened = OpenPostgresStore({.url = url_}, clock_, ids_);
        if (opened.ok()) {
          stores[i] = std::move(opened).value();
        } else {
          results[i] = opened.error();
        }
      });
    }
  }
  for (const Status& status : results) FERRY_EXPECT_OK(status);
  for (auto& store : stores) {
    ASSERT_NE(store, nullptr);
    EXPECT_GE(*store->SchemaVersion(), 1);
  }
}

TEST_F(PostgresStoreTest, RefusesASchemaNewerThanItKnows) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int version = *store->SchemaVersion();
  store.reset();
  // Another (newer) ferry recorded a migration this binary does not have.
  test::ChildProcess::Outcome psql = test::ChildProcess::Run(
      {"/usr/lib/postgresql/15/bin/psql", "-q", url_, "-c",
       "INSERT INTO schema_migrations VALUES (" + std::to_string(version + 1) + ", 'future', 0)"},
      {.stderr_to_stdout = true});
  ASSERT_EQ(psql.exit_code, 0) << psql.out;
  auto opened = OpenPostgresStore({.url = url_}, clock_, ids_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(opened.error().message.find("upgrade ferry"), std::string::npos);
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailableAndThePasswordNeverShows) {
  // A port nobody listens on (the server's own port + 1 is not guaranteed free; port 1 is).
  auto opened = OpenPostgresStore(
      {.url = "postgres://ferry:hunter2secret@127.0.0.1:1/ferry?connect_timeout=5"}, clock_, ids_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().ToString().find("hunter2secret"), std::string::npos)
      << opened.error().ToString();
  EXPECT_NE(opened.error().ToString().find("ferry:***@127.0.0.1:1"), std::string::npos)
      << opened.error().ToString();
  // And the process-wide masker knows it, should anything else echo it.
  EXPECT_EQ(MaskSecrets("echo hunter2secret"), "echo ****");

  auto wrong_db = OpenPostgresStore(
      {.url = test::SharedPostgres().Url("no_such_database") + "?password=s3cr3tpw"}, clock_, ids_);
  ASSERT_FALSE(wrong_db.ok());
  EXPECT_EQ(wrong_db.error().ToString().find("s3cr3tpw"), std::string::npos);
  EXPECT_EQ(OpenPostgresStore({.url = ""}, clock_, ids_).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenPostgresStore({.url = "not a url at all ==="}, clock_, ids_).error().code,
            ErrorCode::kUnavailable);
}

TEST(PostgresUrlTest, MasksPasswordsInEveryForm) {
  EXPECT_EQ(MaskPostgresUrl("postgres://u:pw@h:5432/db"), "postgres://u:***@h:5432/db");
  EXPECT_EQ(MaskPostgresUrl("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(MaskPostgresUrl("postgres://u@h/db?sslmode=require&password=pw"),
            "postgres://u@h/db?sslmode=require&password=***");
  EXPECT_EQ(MaskPostgresUrl("host=h password=pw dbname=d"), "host=h password=*** dbname=d");
  EXPECT_EQ(MaskPostgresUrl("host=h password = 'p w\\'x' dbname=d"),
            "host=h password = *** dbname=d");
  // Malformed strings: masked as far as they go, never a crash or an out-of-range read.
  EXPECT_EQ(MaskPostgresUrl("host=h password="), "host=h password=");
  EXPECT_EQ(MaskPostgresUrl("password='unterminated"), "password=***");
  EXPECT_EQ(MaskPostgresUrl("password = 'a\\"), "password = ***");
  EXPECT_EQ(MaskPostgresUrl("postgres://:pw@"), "postgres://:***@");
  EXPECT_EQ(MaskPostgresUrl("postgres://h:5432"), "postgres://h:5432");
  EXPECT_EQ(MaskPostgresUrl(""), "");
  EXPECT_TRUE(IsPostgresUrl("postgres://h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgresql://h/db"));
  EXPECT_FALSE(IsPostgresUrl("./ferry-data"));
}

TEST_F(PostgresStoreTest, AWriteThroughOneReplicaWakesAWaiterOnAnother) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  Wakeups on_a, on_b;
  a->SetChangeListener(on_a.Listener());
  b->SetChangeListener(on_b.Listener());
  // The listener connects in the background and reports once when it is listening.
  ASSERT_TRUE(on_b.WaitBeyond(0));
  ASSERT_TRUE(on_a.WaitBeyond(0));
  int seen_b = on_b.count();
  int seen_a = on_a.count();

  // A long-poll style waiter on B: read, then wait for a change, then read again.
  ExecutionRecord created;
  {
    std::jthread writer([&] {
      NewExecution e{.application = "shop",
                     .service = "checkout",
                     .environment = "prod",
                     .workflow = "basic",
                     .trigger = "manual",
                     .actor = "alice",
                     .steps = {{"deploy", "lambda.deploy", "{}"}}};
      auto made = a->executions().Create(e);
      ASSERT_TRUE(made.ok()) << made.error().ToString();
      created = made->execution;
    });
  }
  ASSERT_TRUE(on_b.WaitBeyond(seen_b)) << "B was not woken by A's write";
  auto seen = b->executions().Get(created.id);
  FERRY_ASSERT_OK(seen);
  // A's own write does not wake A (its writers signal in-process).
  EXPECT_EQ(on_a.count(), seen_a);

  // After SetChangeListener(nullptr) returns, no more calls.
  b->SetChangeListener(nullptr);
  int frozen = on_b.count();
  FERRY_ASSERT_OK(a->logs().Append(created.id, {{.source = "engine", .text = "hello"}}));
  seen_a = on_a.count();
  // A third store's write wakes A: proof the notification went out, so B really ignored it.
  auto c = Open();
  FERRY_ASSERT_OK(c->logs().Append(created.id, {{.source = "engine", .text = "again"}}));
  ASSERT_TRUE(on_a.WaitBeyond(seen_a));
  EXPECT_EQ(on_b.count(), frozen);
}

TEST(PostgresRestartTest, StoresAndTheirListenersCarryOnAfterTheServerRestarts) {
  FERRY_TEST_REQUIRE(test::MissingPostgres());
  test::PostgresServer server;  // its own, not the binary's: this test restarts it
  ASSERT_TRUE(server.ok()) << server.diagnostics();
  const std::string url = server.CreateDatabase();
  ASSERT_FALSE(url.empty()) << server.diagnostics();
  FakeClock clock;
  SequentialIdGenerator ids;
  auto a = OpenPostgresStore({.url = url}, clock, ids);
  auto b = OpenPostgresStore({.url = url}, clock, ids);
  FERRY_ASSERT_OK(a);
  FERRY_ASSERT_OK(b);
  Wakeups on_b;
  (*b)->SetChangeListener(on_b.Listener());
  ASSERT_TRUE(on_b.WaitBeyond(0));
  NewExecution e{.application = "shop",
                 .service = "checkout",
                 .environment = "prod",
                 .workflow = "basic",
                 .trigger = "manual",
                 .actor = "alice"};
  auto made = (*a)->executions().Create(e);
  FERRY_ASSERT_OK(made);
  ASSERT_TRUE(on_b.WaitBeyond(1));
  int seen = on_b.count();

  ASSERT_TRUE(server.Restart()) << server.diagnostics();
  // The pooled connections the restart cut are replaced before anything runs on them.
  auto read = (*a)->executions().Get(made->execution.id);
  FERRY_ASSERT_OK(read);
  FERRY_ASSERT_OK((*a)->logs().Append(made->execution.id, {{.source = "engine", .text = "x"}}));
  // B's listener reconnected: it reports once (changes may have been missed meanwhile), then
  // A's writes wake it again.
  ASSERT_TRUE(on_b.WaitBeyond(seen));
  seen = on_b.count();
  FERRY_ASSERT_OK((*a)->logs().Append(made->execution.id, {{.source = "engine", .text = "y"}}));
  ASSERT_TRUE(on_b.WaitBeyond(seen));
  (*b)->SetChangeListener(nullptr);
}

TEST_F(PostgresStoreTest, TwoReplicasRacingForOneExpiredLeaseExactlyOneWins) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  for (int round = 0; round < 10; ++round) {
    NewExecution e{.application = "shop",
                   .service = "checkout",
                   .environment = "prod",
                   .workflow = "basic",
                   .trigger = "manual",
                   .actor = "alice",
                   .steps = {{"deploy", "lambda.deploy", "{}"}}};
    auto made = a->executions().Create(e);
    FERRY_ASSERT_OK(made);
    auto first = a->executions().ClaimRunnable("dead-replica", seconds(10), 10);
    FERRY_ASSERT_OK(first);
    ASSERT_EQ(first->size(), 1u);
    auto task =
        a->tasks().Enqueue({.kind = "k", .idempotency_key = "task-" + std::to_string(round)});
    FERRY_ASSERT_OK(task);
    ASSERT_TRUE(a->tasks().ClaimNext("dead-delegate", {}, seconds(10))->has_value());
    clock_.Advance(seconds(11));  // both leases expired

    std::atomic<int> executions_won{0}, tasks_won{0};
    {
      std::vector<std::jthread> racers;
      for (Store* store : {a.get(), b.get(), a.get(), b.get()}) {
        racers.emplace_back([&, store] {
          auto claimed = store->executions().ClaimRunnable("replica", seconds(10), 10);
          if (claimed.ok()) executions_won += static_cast<int>(claimed->size());
          auto next = store->tasks().ClaimNext("delegate", {}, seconds(10));
          if (next.ok() && next->has_value()) ++tasks_won;
        });
      }
    }
    EXPECT_EQ(executions_won.load(), 1) << "round " << round;
    EXPECT_EQ(tasks_won.load(), 1) << "round " << round;
    FERRY_ASSERT_OK(a->executions().Transition({.id = made->execution.id,
                                                .from = ExecutionStatus::kQueued,
                                                .to = ExecutionStatus::kFailed,
                                                .error = "done"}));
    auto t = a->tasks().Get(task->task.id);
    FERRY_ASSERT_OK(a->tasks().Complete({t->id, *t->lease_owner, t->attempt}, TaskOutcome{}));
  }
}

TEST_F(PostgresStoreTest, HostileNamesAndDocumentsAreDataNeverSql) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> names = {"'; DROP TABLE entities; --", "a\\'b\"c$1$$x$$",
                                          "ünïcødé ☃ 名前", "%_*?[]"};
  for (const std::string& name : names) {
    FERRY_ASSERT_OK(store->entities().Put(
        {.key = {"application", "", name}, .spec_json = R"({"q":"$$ '; SELECT 1; --"})"}, "alice"));
  }
  auto listed = store->entities().List("application", std::nullopt);
  FERRY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), names.size());
  for (const std::string& name : names) {
    auto got = store->entities().Get({"application", "", name});
    FERRY_ASSERT_OK(got);
    EXPECT_EQ(got->spec_json, R"({"q":"$$ '; SELECT 1; --"})");
  }
  // A lease owner made of LIKE wildcards matches only itself (starts_with, not LIKE).
  EXPECT_EQ(*store->tasks().ExpireLeases("%"), 0);
}

TEST_F(PostgresStoreTest, TextWithANulByteIsRejectedClearlyAndChangesNothing) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto put = store->entities().Put(
      {.key = {"application", "", "shop"}, .spec_json = std::string("{\"a\":\"x\\u0000y\"}")},
      "alice");
  // Canonical JSON keeps the escape, so the stored text has no NUL: accepted.
  FERRY_EXPECT_OK(put);
  // A log line keeps everything but the NUL (a delegate's output never fails its append).
  NewExecution e{.application = "shop",
                 .service = "checkout",
                 .environment = "prod",
                 .workflow = "basic",
                 .trigger = "manual",
                 .actor = "alice"};
  auto made = store->executions().Create(e);
  FERRY_ASSERT_OK(made);
  FERRY_ASSERT_OK(store->logs().Append(
      made->execution.id, {{.source = "engine", .text = std::string("before\0after", 12)}}));
  auto lines = store->logs().Read({.execution_id = made->execution.id});
  FERRY_ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].text, "before?after");
  auto raw = store->audit().Append(
      {.actor = std::string("al\0ice", 6), .action = "x", .subject_type = "t", .subject_id = "s"});
  ASSERT_FALSE(raw.ok());
  EXPECT_EQ(raw.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::store::testing
