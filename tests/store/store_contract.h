// The contract every store::Store implementation passes unchanged.
//
// A backend instantiates the suite with a StoreHarness factory:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest, ::testing::Values(&MakeSqliteHarness));
// and every TEST_P(StoreContractTest, ...) in tests/store/*_contract_test.cc runs against it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "store/store.h"

namespace ferry::store::testing {

// Owns one empty database for the duration of a test.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  // Opens (again) the harness's database; each call returns a new Store on the same data.
  virtual Result<std::unique_ptr<Store>> Open(Clock& clock, IdGenerator& ids) = 0;
  // Runs SQL on the database as an outside client would (the sqlite3 C API on the file, psql),
  // not through the Store: kFailedPrecondition with the database's message when it fails.
  virtual Status ExecuteSql(const std::string& sql) = 0;
};

using HarnessFactory = std::unique_ptr<StoreHarness> (*)();

class StoreContractTest : public ::testing::TestWithParam<HarnessFactory> {
 protected:
  void SetUp() override {
    harness_ = GetParam()();
    ASSERT_NE(harness_, nullptr);
    auto opened = harness_->Open(clock_, ids_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  // Closes the store and opens the same database again.
  void Reopen() {
    store_.reset();
    auto opened = harness_->Open(clock_, ids_);
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
  }

  Store& store() { return *store_; }

  // A two-step deploy of shop/checkout to prod, created through the store.
  ExecutionRecord CreateExecution(std::optional<std::string> idempotency_key = std::nullopt) {
    NewExecution e{.application = "shop",
                   .service = "checkout",
                   .environment = "prod",
                   .workflow = "basic",
                   .trigger = "manual",
                   .actor = "alice",
                   .inputs_json = R"({"artifact":"v1"})",
                   .steps = {{"deploy", "lambda.deploy", R"({"functions":["api"]})"},
                             {"verify", "verify", "{}"}},
                   .idempotency_key = std::move(idempotency_key)};
    auto created = store().executions().Create(e);
    if (!created.ok()) {
      ADD_FAILURE() << created.error().ToString();
      return {};
    }
    return created->execution;
  }

  FakeClock clock_;
  SequentialIdGenerator ids_;
  std::unique_ptr<StoreHarness> harness_;
  std::unique_ptr<Store> store_;
};

}  // namespace ferry::store::testing

// Asserts that a Result/Status is ok, printing its error otherwise.
#define FERRY_ASSERT_OK(expr)                                            \
  do {                                                                   \
    const auto& ferry_assert_ = (expr);                                  \
    ASSERT_TRUE(ferry_assert_.ok()) << ferry_assert_.error().ToString(); \
  } while (false)
#define FERRY_EXPECT_OK(expr)                                            \
  do {                                                                   \
    const auto& ferry_expect_ = (expr);                                  \
    EXPECT_TRUE(ferry_expect_.ok()) << ferry_expect_.error().ToString(); \
  } while (false)
