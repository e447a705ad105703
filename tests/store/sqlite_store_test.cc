// The contract suite on SQLite, plus what only the SQLite implementation promises: WAL, foreign
// keys, embedded migrations, clear errors for bad files and directories.
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"
#include "store_contract.h"
#include "support/temp_dir.h"
#include "support/unprivileged.h"

namespace ferry::store::testing {

namespace {

class SqliteHarness final : public StoreHarness {
 public:
  Result<std::unique_ptr<Store>> Open(Clock& clock, IdGenerator& ids) override {
    return OpenSqliteStore(SqliteOptions{.data_dir = dir_.Sub("data")}, clock, ids);
  }
  Status ExecuteSql(const std::string& sql) override {
    sqlite3* db = nullptr;
    std::string path = dir_.Sub("data") + "/ferry.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return FailedPrecondition("cannot open " + path);
    }
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    if (rc != SQLITE_OK) return FailedPrecondition(text);
    return Ok();
  }

 private:
  test::TempDir dir_;
};

std::unique_ptr<StoreHarness> MakeSqliteHarness() { return std::make_unique<SqliteHarness>(); }

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(&MakeSqliteHarness));

namespace {

// Runs a single-value query through the raw C API, as an outside observer of the file.
std::string QueryOnFile(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<Store>> Open(const SqliteOptions& options) {
    return OpenSqliteStore(options, clock_, ids_);
  }
  FakeClock clock_;
  SequentialIdGenerator ids_;
  test::TempDir dir_;
};

TEST_F(SqliteStoreTest, CreatesDataDirAndUsesWal) {
  std::string data = dir_.Sub("nested/data");
  auto store = Open({.data_dir = data});
  FERRY_ASSERT_OK(store);
  std::string file = data + "/" + kSqliteFileName;
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(QueryOnFile(file, "PRAGMA journal_mode"), "wal");
}

// Issue 18: ferry.db was 0644. The database and its -wal and -shm files are the owner's alone,
// and a database created 0644 by an earlier version is tightened when it is opened.
TEST_F(SqliteStoreTest, TheDatabaseFilesAreOwnerOnly) {
  auto mode = [](const std::string& file) {
    return std::filesystem::status(file).permissions() & std::filesystem::perms::all;
  };
  std::string data = dir_.Sub("data");
  std::string file = data + "/" + kSqliteFileName;
  {
    auto store = Open({.data_dir = data});
    FERRY_ASSERT_OK(store);
    EXPECT_EQ(mode(file), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    for (const char* suffix : {"-wal", "-shm"}) {
      if (std::filesystem::exists(file + suffix)) {
        EXPECT_EQ(mode(file + suffix),
                  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
            << suffix;
      }
    }
  }
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  auto reopened = Open({.data_dir = data});
  FERRY_ASSERT_OK(reopened);
  EXPECT_EQ(mode(file), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(SqliteStoreTest, ConnectionsEnforceForeignKeys) {
  std::string file = dir_.Sub("ferry.db");
  auto store = Open({.path = file});
  FERRY_ASSERT_OK(store);
  // Every connection the store opens goes through Connection::Open, which turns them on.
  auto connection = sqlite::Connection::Open(file, /*create=*/false, 1000);
  FERRY_ASSERT_OK(connection);
  EXPECT_EQ(*(*connection)->QueryText("PRAGMA foreign_keys"), "1");
  EXPECT_EQ(*(*connection)->QueryText("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, RecordsEveryEmbeddedMigration) {
  std::string file = dir_.Sub("ferry.db");
  auto store = Open({.path = file});
  FERRY_ASSERT_OK(store);
  auto migrations = sqlite::EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  // Numbers are reserved per branch, so there may be gaps; never a repeat.
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, i == 0 ? 0 : migrations[i - 1].version);
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(*(*store)->SchemaVersion(), migrations.back().version);
  EXPECT_EQ(QueryOnFile(file, "SELECT count(*) FROM schema_migrations"),
            std::to_string(migrations.size()));
  EXPECT_EQ(QueryOnFile(file, "SELECT min(applied_at_ms) FROM schema_migrations"),
            std::to_string(ToUnixMillis(clock_.Now())));
}

TEST_F(SqliteStoreTest, NewerSchemaIsAClearError) {
  std::string file = dir_.Sub("ferry.db");
  { FERRY_ASSERT_OK(Open({.path = file})); }
  QueryOnFile(file,
              "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (9999, "
              "'from_the_future', 0)");
  auto reopened = Open({.path = file});
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(reopened.error().message.find("schema version 9999"), std::string::npos)
      << reopened.error().message;
  EXPECT_NE(reopened.error().message.find("upgrade ferry"), std::string::npos);
}

TEST_F(SqliteStoreTest, NotADatabaseIsAClearError) {
  std::string file = dir_.Sub("ferry.db");
  {
    std::ofstream out(file, std::ios::binary);
    out << std::string(8192, 'x') << "this is not a database";
  }
  auto store = Open({.path = file});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.error().message.find(file), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("not a database"), std::string::npos)
      << store.error().message;
}

TEST_F(SqliteStoreTest, CorruptedDatabaseIsAClearError) {
  std::string file = dir_.Sub("ferry.db");
  {
    auto store = Open({.path = file});
    FERRY_ASSERT_OK(store);
    for (int i = 0; i < 50; ++i) {
      FERRY_ASSERT_OK((*store)->entities().Put({{"service", "shop", "s" + std::to_string(i)},
                                                R"({"pad":")" + std::string(500, 'p') + "\"}"},
                                               "a"));
    }
  }
  // Fold the WAL into the file, then overwrite every page after the header page with junk.
  QueryOnFile(file, "PRAGMA wal_checkpoint(TRUNCATE)");
  auto size = std::filesystem::file_size(file);
  ASSERT_GT(size, 8192u);
  {
    std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(4096);
    std::string junk(size - 4096, '\x5a');
    io.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto store = Open({.path = file});
  Status status = store.ok() ? Status(Ok()) : Status(store.error());
  if (store.ok()) {
    // The header page survived, so open may succeed; the first read of the damage must not.
    status = [&]() -> Status {
      auto listed = (*store)->entities().List("", std::nullopt);
      if (!listed.ok()) return listed.error();
      return Ok();
    }();
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition) << status.error().ToString();
  EXPECT_NE(status.error().message.find("malformed"), std::string::npos) << status.error().message;
}

TEST_F(SqliteStoreTest, DataDirThatIsAFileIsAClearError) {
  std::string file = dir_.Sub("plain-file");
  { std::ofstream(file) << "x"; }
  auto store = Open({.data_dir = file + "/data"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.error().message.find("cannot create data directory"), std::string::npos)
      << store.error().message;
}

TEST_F(SqliteStoreTest, UnwritableDataDirIsAClearError) {
  std::string data = dir_.Sub("readonly");
  std::filesystem::create_directories(data);
  std::filesystem::permissions(
      data, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  // Root ignores permission bits: the store is opened as an ordinary user (as root: nobody,
  // who needs to reach the directory through the temp dir).
  std::filesystem::permissions(
      dir_.path(), std::filesystem::perms::others_read | std::filesystem::perms::others_exec,
      std::filesystem::perm_options::add);
  std::optional<Result<std::unique_ptr<Store>>> store;
  ASSERT_EQ(test::RunUnprivileged([&] { store = Open({.data_dir = data}); }), "");
  ASSERT_TRUE(store.has_value());
  ASSERT_FALSE(store->ok());
  EXPECT_EQ(store->error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(store->error().message.find("not writable"), std::string::npos)
      << store->error().message;
}

TEST_F(SqliteStoreTest, ReadOnlyFileSystemIsAClearError) {
  // /proc is read-only even for root; creating a directory there fails with a clear error.
  auto store = Open({.data_dir = "/proc/ferry-store-test/data"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.error().message.find("/proc/ferry-store-test/data"), std::string::npos)
      << store.error().message;
}

TEST_F(SqliteStoreTest, MissingPathIsInvalidArgument) {
  auto store = Open({});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  std::string file = dir_.Sub("ferry.db");
  auto a = Open({.path = file});
  auto b = Open({.path = file});
  FERRY_ASSERT_OK(a);
  FERRY_ASSERT_OK(b);
  FERRY_ASSERT_OK((*a)->entities().Put({{"application", "", "shop"}, "{}"}, "a"));
  auto got = (*b)->entities().Get({"application", "", "shop"});
  FERRY_ASSERT_OK(got);
  EXPECT_EQ(got->revision, 1);
  auto put = (*b)->entities().Put({{"application", "", "shop"}, R"({"x":1})", 1}, "b");
  FERRY_ASSERT_OK(put);
  EXPECT_EQ((*a)->entities().Get({"application", "", "shop"})->revision, 2);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_F(SqliteStoreTest, TokenSecretsNeverReachTheDisk) {
  std::string data = dir_.Sub("data");
  std::string secret;
  {
    auto store = Open({.data_dir = data});
    FERRY_ASSERT_OK(store);
    auto issued = (*store)->tokens().Issue({.name = "ci", .scopes = {"deploy"}}, "admin");
    FERRY_ASSERT_OK(issued);
    secret = issued->secret;
    FERRY_ASSERT_OK((*store)->tokens().Authenticate(secret));
    // Inspect while the WAL still holds the writes, then again after the final checkpoint.
    for (const auto& entry : std::filesystem::directory_iterator(data)) {
      std::string bytes = ReadAll(entry.path().string());
      EXPECT_EQ(bytes.find(secret), std::string::npos) << entry.path();
      EXPECT_EQ(bytes.find(secret.substr(4)), std::string::npos) << entry.path();
    }
  }
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    EXPECT_EQ(ReadAll(entry.path().string()).find(secret.substr(4)), std::string::npos);
  }
}

TEST_F(SqliteStoreTest, ForeignKeysRejectOrphanRows) {
  std::string file = dir_.Sub("ferry.db");
  auto store = Open({.path = file});
  FERRY_ASSERT_OK(store);
  auto connection = sqlite::Connection::Open(file, /*create=*/false, 1000);
  FERRY_ASSERT_OK(connection);
  Status orphan =
      (*connection)
          ->Exec(
              "INSERT INTO steps (execution_id, step_index, name, kind, status, state, attempt, "
              "inputs_json, outputs_json, revision, updated_at_ms) VALUES ('no-such-execution', 0, "
              "'a', "
              "'k', 'pending', '', 0, '{}', '{}', 1, 0)");
  ASSERT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.error().code, ErrorCode::kConflict);
  EXPECT_NE(orphan.error().message.find("FOREIGN KEY"), std::string::npos)
      << orphan.error().message;
}

TEST_F(SqliteStoreTest, UpgradesAnOlderSchemaInPlace) {
  std::string file = dir_.Sub("ferry.db");
  auto migrations = sqlite::EmbeddedMigrations();
  ASSERT_GE(migrations.size(), 2u);
  {
    auto connection = sqlite::Connection::Open(file, /*create=*/true, 1000);
    FERRY_ASSERT_OK(connection);
    FERRY_ASSERT_OK(sqlite::ApplyMigrations(**connection, migrations.first(1), 0));
    FERRY_ASSERT_OK(
        (*connection)
            ->Exec("INSERT INTO entities VALUES ('application', '', 'shop', '{}', 1, 0, 0)"));
  }
  auto store = Open({.path = file});
  FERRY_ASSERT_OK(store);
  EXPECT_EQ(*(*store)->SchemaVersion(), migrations.back().version);
  FERRY_EXPECT_OK((*store)->entities().Get({"application", "", "shop"}));
  FERRY_EXPECT_OK((*store)->executions().List({}));
}

TEST_F(SqliteStoreTest, ExistingTokensMoveToServiceAccountsWithTheRoleOfTheirScope) {
  std::string file = dir_.Sub("ferry.db");
  auto migrations = sqlite::EmbeddedMigrations();
  ASSERT_GE(migrations.size(), 7u);
  {
    auto connection = sqlite::Connection::Open(file, /*create=*/true, 1000);
    FERRY_ASSERT_OK(connection);
    FERRY_ASSERT_OK(sqlite::ApplyMigrations(**connection, migrations.first(6), 0));
    FERRY_ASSERT_OK((*connection)
                        ->Exec("INSERT INTO api_tokens (id, name, secret_sha256, scopes_json, "
                               "created_by, created_at_ms) "
                               "VALUES ('t1', 'ci', 'h1', '[\"deploy\"]', 'cli:root', 0), "
                               "('t2', 'viewer', 'h2', '[\"read\"]', 'cli:root', 0), "
                               "('t3', 'ops', 'h3', '[\"admin\",\"read\"]', 'cli:root', 0), "
                               "('t4', 'edge', 'h4', '[\"delegate\"]', 'cli:root', 0)"));
  }
  auto store = Open({.path = file});
  FERRY_ASSERT_OK(store);
  auto tokens = (*store)->tokens().List();
  FERRY_ASSERT_OK(tokens);
  for (const TokenRecord& t : *tokens) EXPECT_EQ(t.owner, t.name);
  auto role_of = [&](const std::string& account) {
    auto grants = (*store)->access().GrantsOf(account);
    return grants.ok() && grants->size() == 1 ? (*grants)[0].role : std::string("none");
  };
  EXPECT_EQ(role_of("ci"), "deployer");
  EXPECT_EQ(role_of("viewer"), "viewer");
  EXPECT_EQ(role_of("ops"), "admin");
  EXPECT_EQ(role_of("edge"), "none");
  EXPECT_EQ((*store)->access().GetAccount("edge")->kind, AccountKind::kService);
}

// Branches reserve migration numbers: a database that applied 3 before the branch with 2 was
// merged still gets 2 on its next start.
TEST_F(SqliteStoreTest, AMigrationMergedBelowTheNewestIsStillApplied) {
  std::string file = dir_.Sub("ferry.db");
  auto connection = sqlite::Connection::Open(file, /*create=*/true, 1000);
  FERRY_ASSERT_OK(connection);
  std::vector<sqlite::Migration> before = {{1, "one", "CREATE TABLE one (x);"},
                                           {3, "three", "CREATE TABLE three (x);"}};
  FERRY_ASSERT_OK(sqlite::ApplyMigrations(**connection, before, 0));
  std::vector<sqlite::Migration> merged = {before[0],
                                           {2, "two", "CREATE TABLE two (x);"},
                                           before[1]};
  FERRY_ASSERT_OK(sqlite::ApplyMigrations(**connection, merged, 0));
  EXPECT_EQ(QueryOnFile(file, "SELECT group_concat(version) FROM (SELECT version FROM "
                              "schema_migrations ORDER BY version)"),
            "1,2,3");
  EXPECT_EQ(QueryOnFile(file, "SELECT count(*) FROM sqlite_master WHERE name = 'two'"), "1");
  FERRY_ASSERT_OK(sqlite::ApplyMigrations(**connection, merged, 0));  // nothing left to apply
}

TEST_F(SqliteStoreTest, AFailingMigrationLeavesTheDatabaseUntouched) {
  std::string file = dir_.Sub("ferry.db");
  auto connection = sqlite::Connection::Open(file, /*create=*/true, 1000);
  FERRY_ASSERT_OK(connection);
  auto embedded = sqlite::EmbeddedMigrations();
  std::vector<sqlite::Migration> broken = {embedded[0],
                                           {2, "broken", "CREATE TABLE ok (x);\nCREATE TABL oops"}};
  Status applied = sqlite::ApplyMigrations(**connection, broken, 0);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().message.find("2_broken"), std::string::npos) << applied.error().message;
  EXPECT_EQ(*sqlite::CurrentSchemaVersion(**connection), 0);
  EXPECT_EQ(QueryOnFile(file,
                        "SELECT count(*) FROM sqlite_master WHERE name IN ('ok', "
                        "'entities')"),
            "0");
}

TEST_F(SqliteStoreTest, AWriterInAnotherProcessPastTheBusyTimeoutIsUnavailable) {
  std::string file = dir_.Sub("ferry.db");
  auto store = Open({.path = file, .busy_timeout = std::chrono::milliseconds(50)});
  FERRY_ASSERT_OK(store);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto blocked = (*store)->entities().Put({{"application", "", "shop"}, "{}"}, "a");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(blocked.error().message.find("busy"), std::string::npos) << blocked.error().message;
  // Readers are not blocked by a writer in WAL mode.
  FERRY_EXPECT_OK((*store)->entities().List("", std::nullopt));
  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  FERRY_EXPECT_OK((*store)->entities().Put({{"application", "", "shop"}, "{}"}, "a"));
}

TEST_F(SqliteStoreTest, ManyThreadsReadAndWriteThroughOneStore) {
  auto store = Open({.path = dir_.Sub("ferry.db"), .max_readers = 2});
  FERRY_ASSERT_OK(store);
  Store& s = **store;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        EntityKey key{"service", "shop", "s" + std::to_string(t)};
        if (!s.entities().Put({key, "{\"i\":" + std::to_string(i) + "}"}, "a").ok()) ++failures;
        if (!s.entities().Get(key).ok()) ++failures;
        if (!s.entities().List("service", std::nullopt).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto listed = s.entities().List("service", std::nullopt);
  FERRY_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 8u);
  for (const auto& record : *listed) EXPECT_EQ(record.revision, 20);
}

}  // namespace
}  // namespace ferry::store::testing
