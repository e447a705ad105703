// The judge's behaviour (verify/judge.h): what fails, what passes, what has no data, and the
// sentences people read.
#include "verify/judge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "verify/synthetic.h"

namespace ferry::verify {
namespace {

using ::testing::HasSubstr;
using testing::LogNormal;
using testing::Normal;
using ::testing::StartsWith;

Verdict JudgeOk(const std::vector<MetricInput>& metrics, Sensitivity s = Sensitivity::kMedium) {
  auto v = Judge(metrics, JudgeOptions{s});
  EXPECT_TRUE(v.ok()) << v.error().message;
  return v.ok() ? *v : Verdict{};
}

TEST(JudgeTest, SparseErrorsAgainstNoneFail) {
  // The example, which Kayenta's judge misses: 3 errors in 200 canary invocations
  // against 0 in 2,000.
  const std::vector<CountWindow> canary{{3, 200}};
  const std::vector<CountWindow> baseline{{0, 2000}};
  const Verdict v =
      JudgeOk({{{.name = "Errors", .critical = true}, CountSamples{canary, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  const MetricResult& m = v.metrics[0];
  EXPECT_EQ(m.outcome, Outcome::kFail);
  EXPECT_NEAR(m.decision.p_value, 1.0 / 1331, 1e-12);
  EXPECT_EQ(m.explanation,
            "Errors: 1.5% of canary invocations vs 0% of baseline (3 of 200 vs 0 of 2,000), "
            "p=0.00075 — fail");
  EXPECT_EQ(v.summary, "fail (score 0, medium sensitivity): Errors failed (critical)");
}

TEST(JudgeTest, TheHeadersExample) {
  std::mt19937_64 rng(9);
  const std::vector<double> canary_ms = Normal(rng, 100, 100, 10);
  const std::vector<double> baseline_ms = Normal(rng, 100, 100, 10);
  std::vector<CountWindow> canary_errors{{3, 200}}, baseline_errors{{0, 2000}};
  std::vector<MetricInput> metrics{
      {{.name = "Duration", .unit = "ms"}, ContinuousSamples{canary_ms, baseline_ms}},
      {{.name = "Errors", .critical = true}, CountSamples{canary_errors, baseline_errors}}};
  Result<Verdict> v = Judge(metrics, {.sensitivity = Sensitivity::kMedium});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kFail);
  EXPECT_EQ(v->metrics[0].outcome, Outcome::kPass);
  EXPECT_EQ(v->metrics[1].explanation,
            "Errors: 1.5% of canary invocations vs 0% of baseline (3 of 200 vs 0 of 2,000), "
            "p=0.00075 — fail");
}

TEST(JudgeTest, ErrorJumpAtAThousandInvocations) {
  // 0.1 % → 1.5 %: 15 of 1,000 against 9 of 9,000.
  const std::vector<CountWindow> canary{{15, 1000}};
  const std::vector<CountWindow> baseline{{9, 9000}};
  const Verdict v = JudgeOk({{{.name = "Errors"}, CountSamples{canary, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_THAT(v.metrics[0].explanation,
              StartsWith("Errors: 1.5% of canary invocations vs 0.1% of baseline (15 of 1,000 "
                         "vs 9 of 9,000), p<0.0001 — fail"));
  EXPECT_NEAR(v.metrics[0].decision.relative_effect, 14, 1e-9) << "15 times the rate";
}

TEST(JudgeTest, TinyRateChangeAtHugeVolumeIsNotAFail) {
  // 0.10 % vs 0.11 % over 10^9 invocations: overwhelmingly significant, but under the minimum
  // effect (1.5× and +0.1 points at medium).
  const std::vector<CountWindow> canary{{1100000, 1e9}};
  const std::vector<CountWindow> baseline{{1000000, 1e9}};
  const Verdict v = JudgeOk({{{.name = "Errors"}, CountSamples{canary, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kPass);
  EXPECT_LT(v.metrics[0].decision.p_value, 1e-100);
  EXPECT_FALSE(v.metrics[0].decision.beyond_tolerance);
}

TEST(JudgeTest, LatencyShiftFailsAndSmallShiftPasses) {
  std::mt19937_64 rng(10);
  const auto baseline = LogNormal(rng, 2000, 100, 0.4);
  const auto slower = LogNormal(rng, 500, 130, 0.4);
  const auto same = LogNormal(rng, 500, 100, 0.4);
  const auto a_bit = LogNormal(rng, 500, 104, 0.4);
  const MetricSpec spec{.name = "Duration", .unit = "ms"};
  Verdict v = JudgeOk({{spec, ContinuousSamples{slower, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.metrics[0].decision.kind, CheckKind::kShift);
  EXPECT_NEAR(v.metrics[0].decision.relative_effect, 0.3, 0.08);
  EXPECT_THAT(v.metrics[0].explanation, StartsWith("Duration: canary median 1"));
  EXPECT_THAT(v.metrics[0].explanation, HasSubstr(" ms vs baseline "));
  EXPECT_THAT(v.metrics[0].explanation, HasSubstr("p<0.0001 — fail"));
  v = JudgeOk({{spec, ContinuousSamples{same, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kPass);
  // +4 % is within medium's 10 % tolerance, and within high's 5 %.
  v = JudgeOk({{spec, ContinuousSamples{a_bit, baseline}}}, Sensitivity::kHigh);
  EXPECT_EQ(v.outcome, Outcome::kPass);
}

TEST(JudgeTest, SensitivityMovesTheTolerance) {
  std::mt19937_64 rng(11);
  const auto baseline = Normal(rng, 3000, 100, 5);
  const auto canary = Normal(rng, 3000, 107, 5);  // +7 %
  const MetricSpec spec{.name = "Latency", .unit = "ms"};
  EXPECT_EQ(JudgeOk({{spec, ContinuousSamples{canary, baseline}}}, Sensitivity::kHigh).outcome,
            Outcome::kFail);
  EXPECT_EQ(JudgeOk({{spec, ContinuousSamples{canary, baseline}}}, Sensitivity::kMedium).outcome,
            Outcome::kPass);
  EXPECT_EQ(JudgeOk({{spec, ContinuousSamples{canary, baseline}}}, Sensitivity::kLow).outcome,
            Outcome::kPass);
  MetricSpec strict = spec;
  strict.relative_tolerance = 0.03;
  EXPECT_EQ(JudgeOk({{strict, ContinuousSamples{canary, baseline}}}).outcome, Outcome::kFail);
  MetricSpec floor = strict;
  floor.min_absolute_effect = 10;  // 7 ms is below 10 ms
  EXPECT_EQ(JudgeOk({{floor, ContinuousSamples{canary, baseline}}}).outcome, Outcome::kPass);
}

TEST(JudgeTest, TailIncreaseWithTheSameMedianFails) {
  // Kayenta passes this: same median, the spread doubled.
  std::mt19937_64 rng(12);
  const auto baseline = LogNormal(rng, 5000, 100, 0.4);
  const auto canary = LogNormal(rng, 1000, 100, 0.8);
  const Verdict v =
      JudgeOk({{{.name = "Duration", .unit = "ms"}, ContinuousSamples{canary, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  const MetricResult& m = v.metrics[0];
  EXPECT_EQ(m.decision.kind, CheckKind::kTail);
  EXPECT_TRUE(m.decision.increase);
  EXPECT_THAT(m.explanation, HasSubstr("canary values above "));
  EXPECT_THAT(m.explanation,
              HasSubstr(" were expected beyond the baseline's p99, p<0.0001 — fail"));
  EXPECT_GT(m.decision.canary, 1.2 * m.decision.baseline);
  EXPECT_DOUBLE_EQ(m.decision.threshold, 1.2 * m.decision.baseline) << "medium: 20 % above";
  EXPECT_LT(std::abs(std::get<ContinuousSummary>(m.canary).median - 100), 10);
}

TEST(JudgeTest, DirectionDecidesWhatIsBad) {
  std::mt19937_64 rng(13);
  const auto baseline = Normal(rng, 500, 100, 10);
  const auto lower = Normal(rng, 500, 70, 10);
  MetricSpec spec{.name = "Throughput"};
  EXPECT_EQ(JudgeOk({{spec, ContinuousSamples{lower, baseline}}}).outcome, Outcome::kPass)
      << "a decrease of an increase-is-bad metric is an improvement";
  spec.direction = Direction::kDecreaseIsBad;
  Verdict v = JudgeOk({{spec, ContinuousSamples{lower, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_FALSE(v.metrics[0].decision.increase);
  EXPECT_LT(v.metrics[0].decision.relative_effect, -0.2);
  spec.direction = Direction::kEitherIsBad;
  EXPECT_EQ(JudgeOk({{spec, ContinuousSamples{lower, baseline}}}).outcome, Outcome::kFail);
  EXPECT_EQ(JudgeOk({{spec, ContinuousSamples{baseline, lower}}}).outcome, Outcome::kFail);
  // Counts too: a success count falling.
  const std::vector<CountWindow> fewer{{900, 1000}};
  const std::vector<CountWindow> usual{{9900, 10000}};
  MetricSpec successes{
      .name = "Successes", .exposure = "requests", .direction = Direction::kDecreaseIsBad};
  EXPECT_EQ(JudgeOk({{successes, CountSamples{fewer, usual}}}).outcome, Outcome::kPass)
      << "90% vs 99% is a ratio of 0.91, within 1/1.5";
  const std::vector<CountWindow> half{{500, 1000}};
  EXPECT_EQ(JudgeOk({{successes, CountSamples{half, usual}}}).outcome, Outcome::kFail);
}

TEST(JudgeTest, CriticalWeightsAndScore) {
  std::mt19937_64 rng(14);
  const auto base = Normal(rng, 300, 100, 10);
  const auto same = Normal(rng, 300, 100, 10);
  const auto worse = Normal(rng, 300, 150, 10);
  auto metric = [&](std::string name, const std::vector<double>& canary, bool critical = false,
                    double weight = 1) {
    return MetricInput{{.name = std::move(name), .critical = critical, .weight = weight},
                       ContinuousSamples{canary, base}};
  };
  // One critical failure fails everything.
  Verdict v =
      JudgeOk({metric("a", worse, true), metric("b", same), metric("c", same), metric("d", same)});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_DOUBLE_EQ(v.score, 75);
  // One non-critical failure of four: score 75 → marginal, never pass.
  v = JudgeOk({metric("a", worse), metric("b", same), metric("c", same), metric("d", same)});
  EXPECT_EQ(v.outcome, Outcome::kMarginal);
  // ... of two: score 50 → fail.
  v = JudgeOk({metric("a", worse), metric("b", same)});
  EXPECT_EQ(v.outcome, Outcome::kFail);
  // ... with a small weight: the score stays high but a failure never passes.
  v = JudgeOk({metric("a", worse, false, 0.1), metric("b", same, false, 10)});
  EXPECT_GT(v.score, 95);
  EXPECT_EQ(v.outcome, Outcome::kMarginal);
  EXPECT_EQ(v.summary, "marginal (score 99, medium sensitivity): a failed; 1 metric passed");
  v = JudgeOk({metric("a", same), metric("b", same)});
  EXPECT_EQ(v.outcome, Outcome::kPass);
  EXPECT_DOUBLE_EQ(v.score, 100);
  EXPECT_EQ(v.summary, "pass (score 100, medium sensitivity): 2 metrics passed");
}

TEST(JudgeTest, TooLittleDataIsNeverAPass) {
  std::mt19937_64 rng(15);
  const auto nine = Normal(rng, 9, 100, 10);
  const auto plenty = Normal(rng, 100, 100, 10);
  Verdict v = JudgeOk({{{.name = "Duration"}, ContinuousSamples{nine, plenty}}});
  EXPECT_EQ(v.outcome, Outcome::kNoData);
  EXPECT_EQ(v.metrics[0].explanation,
            "Duration: no data — canary has 9 values (at least 10 needed)");
  EXPECT_TRUE(std::isnan(v.metrics[0].decision.p_value));
  EXPECT_EQ(v.summary, "no data (score 0, medium sensitivity): Duration no data");
  // A lower minimum, by the spec.
  v = JudgeOk({{{.name = "Duration", .min_samples = 5}, ContinuousSamples{nine, plenty}}});
  EXPECT_EQ(v.outcome, Outcome::kPass);
  // Counts: exposure below 100 invocations.
  const std::vector<CountWindow> few{{0, 40}};
  const std::vector<CountWindow> many{{3, 5000}};
  v = JudgeOk({{{.name = "Errors"}, CountSamples{few, many}}});
  EXPECT_EQ(v.outcome, Outcome::kNoData);
  EXPECT_EQ(v.metrics[0].explanation,
            "Errors: no data — canary has 40 invocations (at least 100 needed)");
  // A critical metric without data: the verdict is no data even when the rest pass.
  v = JudgeOk({{{.name = "Errors", .critical = true}, CountSamples{few, many}},
               {{.name = "Duration"}, ContinuousSamples{plenty, plenty}}});
  EXPECT_EQ(v.outcome, Outcome::kNoData);
  // Less than half the weight with data: no data.
  v = JudgeOk({{{.name = "Errors", .weight = 3}, CountSamples{few, many}},
               {{.name = "Duration"}, ContinuousSamples{plenty, plenty}}});
  EXPECT_EQ(v.outcome, Outcome::kNoData);
  v = JudgeOk({{{.name = "Errors"}, CountSamples{few, many}},
               {{.name = "Duration", .weight = 3}, ContinuousSamples{plenty, plenty}}});
  EXPECT_EQ(v.outcome, Outcome::kPass);
}

TEST(JudgeTest, NanHeavySeriesHaveNoData) {
  // Kayenta judges a mostly-NaN series as a pass.
  std::mt19937_64 rng(16);
  auto canary = Normal(rng, 100, 100, 10);
  for (std::size_t i = 0; i < 51; ++i) canary[i] = NAN;
  const auto baseline = Normal(rng, 100, 100, 10);
  Verdict v = JudgeOk({{{.name = "Duration"}, ContinuousSamples{canary, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kNoData);
  EXPECT_EQ(v.metrics[0].explanation,
            "Duration: no data — canary has 51 of 100 values missing (NaN or infinite; at most "
            "50% allowed)");
  canary[0] = 100;  // 50 missing: judged, and the sentence says what was removed
  v = JudgeOk({{{.name = "Duration"}, ContinuousSamples{canary, baseline}}});
  EXPECT_EQ(v.outcome, Outcome::kPass);
  EXPECT_EQ(std::get<ContinuousSummary>(v.metrics[0].canary).missing, 50u);
  EXPECT_EQ(std::get<ContinuousSummary>(v.metrics[0].canary).values, 50u);
  EXPECT_THAT(v.metrics[0].explanation, HasSubstr("removed 50 missing and 0 outlying values"));
  // Count windows: NaN windows are missing.
  std::vector<CountWindow> windows(10, CountWindow{0, 100});
  for (int i = 0; i < 6; ++i) windows[i] = {NAN, 100};
  const std::vector<CountWindow> full(10, CountWindow{0, 100});
  v = JudgeOk({{{.name = "Errors"}, CountSamples{windows, full}}});
  EXPECT_EQ(v.outcome, Outcome::kNoData);
  EXPECT_THAT(v.metrics[0].explanation, HasSubstr("canary has 6 of 10 windows missing"));
}

TEST(JudgeTest, OutlierFenceRemovesFromBothSamples) {
  std::mt19937_64 rng(17);
  auto canary = Normal(rng, 200, 100, 10);
  auto baseline = Normal(rng, 200, 100, 10);
  canary[0] = 1e6;
  baseline[5] = -1e6;
  baseline[6] = 5e5;
  const Verdict v = JudgeOk(
      {{{.name = "Duration", .outlier_fence_iqr = 3}, ContinuousSamples{canary, baseline}}});
  const auto& c = std::get<ContinuousSummary>(v.metrics[0].canary);
  const auto& b = std::get<ContinuousSummary>(v.metrics[0].baseline);
  EXPECT_EQ(c.outliers, 1u);
  EXPECT_EQ(b.outliers, 2u);
  EXPECT_LT(c.max, 200);
  EXPECT_EQ(v.outcome, Outcome::kPass);
}

TEST(JudgeTest, SummariesAndChecksAreReported) {
  const std::vector<double> canary{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<double> baseline{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const Verdict v = JudgeOk({{{.name = "Duration"}, ContinuousSamples{canary, baseline}}});
  const auto& c = std::get<ContinuousSummary>(v.metrics[0].canary);
  EXPECT_EQ(c.values, 10u);
  EXPECT_EQ(c.min, 1);
  EXPECT_EQ(c.max, 10);
  EXPECT_EQ(c.median, 5.5);
  EXPECT_DOUBLE_EQ(c.mean, 5.5);
  EXPECT_EQ(c.p90, 9);
  EXPECT_EQ(c.p99, 10);
  // Shift and p90 checks (the p99 check needs 100 values per side).
  ASSERT_EQ(v.metrics[0].checks.size(), 2u);
  EXPECT_EQ(v.metrics[0].checks[0].kind, CheckKind::kShift);
  EXPECT_EQ(v.metrics[0].checks[1].kind, CheckKind::kTail);
  EXPECT_EQ(v.metrics[0].checks[1].quantile, 0.9);
  EXPECT_EQ(v.metrics[0].decision.kind, CheckKind::kShift);
  EXPECT_EQ(v.metrics[0].decision.absolute_effect, -1);
  EXPECT_TRUE(v.metrics[0].decision.increase) << "the one direction an increase-is-bad metric "
                                                 "is checked in";
  EXPECT_EQ(v.metrics[0].explanation,
            "Duration: canary median 5.5 vs baseline 6.5 (-15%), p99 10 vs 12, p=0.76 — pass");
  // U = 50 of 120 pairs, ten tied pairs of values: z = (50 - 60 - 0.5) / 15.12, P(Z >= z) = 0.756.
  EXPECT_NEAR(v.metrics[0].decision.p_value, 0.756, 0.001);
}

TEST(JudgeTest, SensitivityNames) {
  EXPECT_EQ(*ParseSensitivity("low"), Sensitivity::kLow);
  EXPECT_EQ(*ParseSensitivity("high"), Sensitivity::kHigh);
  EXPECT_FALSE(ParseSensitivity("HIGH").ok());
  EXPECT_STREQ(SensitivityName(Sensitivity::kMedium), "medium");
  EXPECT_LT(ThresholdsFor(Sensitivity::kLow).alpha, ThresholdsFor(Sensitivity::kHigh).alpha);
}

}  // namespace
}  // namespace ferry::verify
