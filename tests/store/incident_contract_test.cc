// IncidentStore contract: a check is claimed once and applied once; one open incident per
// (function, kind, subject), updated while anomalous and closed by a healthy observation; drift
// observations keep the latest report per function; malformed or oversized observations are
// refused whole; listing filters by application and state.
#include "store_contract.h"

namespace ferry::store::testing {
namespace {

GuardCheck Check(const std::string& key, const std::string& kind = kIncidentKindMetric) {
  return GuardCheck{key, kind, "shop", "prod", TimePoint(std::chrono::seconds(1'800'000'000))};
}

IncidentObservation Seen(const std::string& function, const std::string& subject, bool anomalous,
                         const std::string& summary = "Errors: 30% vs 0.1% — fail") {
  return IncidentObservation{
      "shop",  "prod",    function, subject == "drift" ? kIncidentKindDrift : kIncidentKindMetric,
      subject, anomalous, summary,  R"({"pValue":0.0001})"};
}

TEST_P(StoreContractTest, AGuardCheckIsClaimedOnceAndAppliedOnce) {
  auto first = store().incidents().ClaimCheck(Check("guard/metric/shop/prod/1"));
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_TRUE(*first);
  auto again = store().incidents().ClaimCheck(Check("guard/metric/shop/prod/1"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // another replica's claim
  auto pending = store().incidents().PendingChecks(10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].application, "shop");

  auto applied = store().incidents().ApplyCheck("guard/metric/shop/prod/1",
                                                {Seen("shop-api-prod", "Errors", true)});
  ASSERT_TRUE(applied.ok()) << applied.error().ToString();
  EXPECT_TRUE(*applied);
  auto twice = store().incidents().ApplyCheck("guard/metric/shop/prod/1",
                                              {Seen("shop-api-prod", "Errors", true)});
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
  auto listed = store().incidents().List({});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].checks, 1);  // the second application changed nothing
  EXPECT_TRUE(store().incidents().PendingChecks(10)->empty());
  EXPECT_EQ(store().incidents().ApplyCheck("never-claimed", {}).error().code, ErrorCode::kNotFound);

  // Applied checks are forgotten after kGuardCheckRetention (the next application prunes them).
  clock_.Advance(kGuardCheckRetention + std::chrono::minutes(1));
  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("guard/metric/shop/prod/2")));
  FERRY_ASSERT_OK(store().incidents().ApplyCheck("guard/metric/shop/prod/2", {}));
  EXPECT_FALSE(*store().incidents().CheckExists("guard/metric/shop/prod/1"));
  EXPECT_TRUE(*store().incidents().CheckExists("guard/metric/shop/prod/2"));
}

TEST_P(StoreContractTest, OneIncidentStaysOpenWhileAnomalousAndClosesWhenHealthy) {
  for (int i = 1; i <= 3; ++i) {
    const std::string key = "k" + std::to_string(i);
    FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check(key)));
    clock_.Advance(std::chrono::minutes(5));
    FERRY_ASSERT_OK(store().incidents().ApplyCheck(
        key, {Seen("shop-api-prod", "Errors", true, "check " + std::to_string(i)),
              Seen("shop-api-prod", "Duration", false, "Duration: fine")}));
  }
  Reopen();
  auto open = store().incidents().List({.state = "open"});
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].subject, "Errors");
  EXPECT_EQ((*open)[0].checks, 3);
  EXPECT_EQ((*open)[0].summary, "check 3");
  EXPECT_EQ((*open)[0].opened_by, "k1");
  EXPECT_EQ((*open)[0].last_check, "k3");
  EXPECT_EQ((*open)[0].details_json, R"({"pValue":0.0001})");
  EXPECT_FALSE((*open)[0].closed_at.has_value());

  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("k4")));
  FERRY_ASSERT_OK(store().incidents().ApplyCheck(
      "k4", {Seen("shop-api-prod", "Errors", false, "Errors: 0% vs 0.1% — pass")}));
  EXPECT_TRUE(store().incidents().List({.state = "open"})->empty());
  auto closed = store().incidents().List({.state = "closed"});
  ASSERT_EQ(closed->size(), 1u);
  EXPECT_EQ((*closed)[0].close_reason, "Errors: 0% vs 0.1% — pass");
  EXPECT_TRUE((*closed)[0].closed_at.has_value());

  // A new anomaly later opens a new incident.
  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("k5")));
  FERRY_ASSERT_OK(store().incidents().ApplyCheck("k5", {Seen("shop-api-prod", "Errors", true)}));
  EXPECT_EQ(store().incidents().List({})->size(), 2u);
  EXPECT_EQ(store().incidents().List({.state = "open"})->size(), 1u);
}

TEST_P(StoreContractTest, IncidentsAreFilteredByApplication) {
  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("k1")));
  IncidentObservation other = Seen("blog-web-prod", "Errors", true);
  other.application = "blog";
  FERRY_ASSERT_OK(
      store().incidents().ApplyCheck("k1", {Seen("shop-api-prod", "Errors", true), other}));
  EXPECT_EQ(store().incidents().List({})->size(), 2u);
  auto shop = store().incidents().List({.applications = std::vector<std::string>{"shop"}});
  ASSERT_EQ(shop->size(), 1u);
  EXPECT_EQ((*shop)[0].application, "shop");
  EXPECT_TRUE(store().incidents().List({.applications = std::vector<std::string>{}})->empty());
  EXPECT_EQ(store().incidents().List({.state = "maybe"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().incidents().List({.limit = 0}).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, DriftObservationsKeepTheLatestReportPerFunction) {
  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("d1", kIncidentKindDrift)));
  IncidentObservation drift = Seen("shop-api-prod", "drift", true, "alias prod: 1 → 2");
  drift.details_json = R"({"items":[{"what":"alias prod","recorded":"1","live":"2"}]})";
  FERRY_ASSERT_OK(store().incidents().ApplyCheck("d1", {drift}));
  auto reports = store().incidents().DriftReports("shop", "prod");
  ASSERT_TRUE(reports.ok()) << reports.error().ToString();
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_TRUE((*reports)[0].drifted);
  EXPECT_EQ((*reports)[0].check_key, "d1");
  auto open = store().incidents().List({.state = "open"});
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].kind, "drift");

  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("d2", kIncidentKindDrift)));
  FERRY_ASSERT_OK(store().incidents().ApplyCheck(
      "d2", {Seen("shop-api-prod", "drift", false, "no drift: as Ferry left it")}));
  reports = store().incidents().DriftReports("shop", "prod");
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_FALSE((*reports)[0].drifted);
  EXPECT_EQ((*reports)[0].check_key, "d2");
  EXPECT_TRUE(store().incidents().List({.state = "open"})->empty());
}

TEST_P(StoreContractTest, MalformedObservationsAreRefusedWhole) {
  FERRY_ASSERT_OK(store().incidents().ClaimCheck(Check("k1")));
  IncidentObservation bad_details = Seen("f", "Errors", true);
  bad_details.details_json = "[1]";
  IncidentObservation huge = Seen("f", "Errors", true);
  huge.details_json = "{\"x\":\"" + std::string(kMaxIncidentDetailsBytes, 'a') + "\"}";
  IncidentObservation long_summary = Seen("f", "Errors", true, std::string(5000, 's'));
  IncidentObservation no_function = Seen("", "Errors", true);
  IncidentObservation bad_kind = Seen("f", "Errors", true);
  bad_kind.kind = "vibes";
  IncidentObservation not_utf8 = Seen("f", "Errors", true, "\xff\xfe");
  for (const auto& bad : {bad_details, huge, long_summary, no_function, bad_kind, not_utf8}) {
    auto applied = store().incidents().ApplyCheck("k1", {Seen("good", "Errors", true), bad});
    EXPECT_FALSE(applied.ok()) << bad.summary.substr(0, 20);
  }
  EXPECT_TRUE(store().incidents().List({})->empty());  // nothing half-applied
  EXPECT_EQ(store().incidents().PendingChecks(10)->size(), 1u);
  std::vector<IncidentObservation> too_many(kMaxObservationsPerCheck + 1, Seen("f", "E", true));
  EXPECT_EQ(store().incidents().ApplyCheck("k1", too_many).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().incidents().ClaimCheck(Check("")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store().incidents().ClaimCheck(Check("x", "vibes")).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::store::testing
