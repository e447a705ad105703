// VerificationStore contract: one analysis per (execution, step), replaced on re-recording,
// listed oldest first, refused for unknown executions and malformed or oversized analyses.
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

TEST_P(StoreContractTest, VerificationsAreRecordedReplacedAndListed) {
  ExecutionRecord e = CreateExecution();
  auto listed = store().verifications().List(e.id);
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  EXPECT_TRUE(listed->empty());

  NewVerification v{.execution_id = e.id,
                    .step_name = "verify",
                    .mode = "canary",
                    .verdict = "fail",
                    .passed = false,
                    .analysis_json = R"({"verdict":"fail","metrics":[{"name":"Errors"}]})"};
  auto recorded = store().verifications().Record(v);
  ASSERT_TRUE(recorded.ok()) << recorded.error().ToString();
  EXPECT_EQ(recorded->verdict, "fail");
  EXPECT_FALSE(recorded->passed);
  v.step_name = "verify-2";
  v.verdict = "pass";
  v.passed = true;
  FERRY_ASSERT_OK(store().verifications().Record(v));
  v.analysis_json = R"({"verdict":"pass","again":true})";
  FERRY_ASSERT_OK(store().verifications().Record(v));  // a resumed step records again
  Reopen();
  auto all = store().verifications().List(e.id);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].step_name, "verify");
  EXPECT_EQ((*all)[1].step_name, "verify-2");
  EXPECT_TRUE((*all)[1].passed);
  EXPECT_EQ((*all)[1].analysis_json, R"({"again":true,"verdict":"pass"})");
}

TEST_P(StoreContractTest, VerificationsRefuseUnknownExecutionsAndMalformedAnalyses) {
  ExecutionRecord e = CreateExecution();
  NewVerification v{.execution_id = "ex-none",
                    .step_name = "verify",
                    .mode = "canary",
                    .verdict = "pass",
                    .analysis_json = "{}"};
  EXPECT_EQ(store().verifications().Record(v).error().code, ErrorCode::kNotFound);
  v.execution_id = e.id;
  for (std::string bad : {std::string("[1]"), std::string("{\"a\":"), std::string("nul\0l", 5)}) {
    v.analysis_json = bad;
    EXPECT_EQ(store().verifications().Record(v).error().code, ErrorCode::kInvalidArgument) << bad;
  }
  v.analysis_json = "{\"x\":\"" + std::string(kMaxVerificationBytes, 'a') + "\"}";
  EXPECT_FALSE(store().verifications().Record(v).ok());
  v.analysis_json = "{}";
  v.step_name = "";
  EXPECT_EQ(store().verifications().Record(v).error().code, ErrorCode::kInvalidArgument);
  auto all = store().verifications().List(e.id);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

}  // namespace
}  // namespace ferry::store::testing
