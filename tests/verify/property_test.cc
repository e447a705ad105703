// Properties of the judge that hold for every input: symmetry, invariance, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "verify/distributions.h"
#include "verify/judge.h"
#include "verify/rank_tests.h"
#include "verify/synthetic.h"

namespace ferry::verify {
namespace {

using testing::LogNormal;

std::vector<double> Sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

Verdict JudgeOne(const MetricSpec& spec, std::span<const double> canary,
                 std::span<const double> baseline) {
  const std::vector<MetricInput> in{{spec, ContinuousSamples{canary, baseline}}};
  auto v = Judge(in, {});
  EXPECT_TRUE(v.ok());
  return *v;
}

TEST(PropertyTest, SwappingSamplesFlipsTheDirection) {
  std::mt19937_64 rng(20);
  for (int trial = 0; trial < 50; ++trial) {
    const auto a = Sorted(LogNormal(rng, 10 + rng() % 300, 100, 0.5));
    const auto b = Sorted(LogNormal(rng, 10 + rng() % 300, 100 + trial, 0.5));
    const MannWhitneyResult ab = MannWhitney(a, b);
    const MannWhitneyResult ba = MannWhitney(b, a);
    EXPECT_DOUBLE_EQ(ab.p_greater, ba.p_less);
    EXPECT_DOUBLE_EQ(ab.p_less, ba.p_greater);
    EXPECT_DOUBLE_EQ(ab.u + ba.u, static_cast<double>(a.size() * b.size()));
    EXPECT_EQ(HodgesLehmannShift(a, b), -HodgesLehmannShift(b, a));
  }
  // Counts: the canary's upper tail is the swapped baseline's lower tail.
  for (double x : {0.0, 3.0, 17.0, 40.0}) {
    const double total = 45;
    EXPECT_NEAR(BinomialUpperTail(x, total, 0.1), BinomialLowerTail(total - x, total, 0.9), 1e-13);
  }
  // The judge: an increase of (canary, baseline) is a decrease of (baseline, canary).
  const auto base = LogNormal(rng, 500, 100, 0.3);
  const auto slow = LogNormal(rng, 500, 140, 0.3);
  const Verdict up = JudgeOne({.name = "m"}, slow, base);
  const Verdict down = JudgeOne({.name = "m", .direction = Direction::kDecreaseIsBad}, base, slow);
  EXPECT_EQ(up.outcome, Outcome::kFail);
  EXPECT_EQ(down.outcome, Outcome::kFail);
  EXPECT_DOUBLE_EQ(up.metrics[0].checks[0].p_value, down.metrics[0].checks[0].p_value);
  EXPECT_EQ(up.metrics[0].checks[0].absolute_effect, -down.metrics[0].checks[0].absolute_effect);
}

TEST(PropertyTest, MonotoneTransformsKeepRankStatistics) {
  // Ranks, exceedance counts and their p-values depend only on the order of the pooled values:
  // log, exp-like stretches and adding a constant leave them unchanged.
  std::mt19937_64 rng(21);
  const auto a = Sorted(LogNormal(rng, 400, 100, 0.6));
  const auto b = Sorted(LogNormal(rng, 900, 110, 0.6));
  auto transform = [](const std::vector<double>& v, auto f) {
    std::vector<double> out;
    for (double x : v) out.push_back(f(x));
    return out;
  };
  const auto log_a = transform(a, [](double x) { return std::log(x); });
  const auto log_b = transform(b, [](double x) { return std::log(x); });
  const auto cube_a = transform(a, [](double x) { return x * x * x + 7; });
  const auto cube_b = transform(b, [](double x) { return x * x * x + 7; });
  const MannWhitneyResult r = MannWhitney(a, b);
  for (const auto& [ta, tb] : {std::pair{log_a, log_b}, std::pair{cube_a, cube_b}}) {
    const MannWhitneyResult t = MannWhitney(ta, tb);
    EXPECT_EQ(t.u, r.u);
    EXPECT_EQ(t.p_greater, r.p_greater);
    EXPECT_EQ(TailExceedance(ta, tb, 0.9).exceed, TailExceedance(a, b, 0.9).exceed);
    EXPECT_EQ(TailExceedance(ta, tb, 0.99).p, TailExceedance(a, b, 0.99).p);
  }
  // A shift of both samples: the shift estimate is unchanged (whole numbers: exact).
  std::vector<double> ia;
  std::vector<double> ib;
  for (double x : a) ia.push_back(std::round(x));
  for (double x : b) ib.push_back(std::round(x));
  const auto ia1 = transform(ia, [](double x) { return x + 1000; });
  const auto ib1 = transform(ib, [](double x) { return x + 1000; });
  EXPECT_EQ(HodgesLehmannShift(ia1, ib1), HodgesLehmannShift(ia, ib));
  // Shifting only the canary by d moves the estimate by exactly d.
  const auto ia_d = transform(ia, [](double x) { return x + 25; });
  EXPECT_EQ(HodgesLehmannShift(ia_d, ib), HodgesLehmannShift(ia, ib) + 25);
  // Scaling both scales it.
  const auto ia4 = transform(ia, [](double x) { return x * 4; });
  const auto ib4 = transform(ib, [](double x) { return x * 4; });
  EXPECT_EQ(HodgesLehmannShift(ia4, ib4), 4 * HodgesLehmannShift(ia, ib));
}

TEST(PropertyTest, ScaleInvarianceOfTheVerdict) {
  // The same latencies in seconds or in milliseconds: the same verdict and p-values.
  std::mt19937_64 rng(22);
  const auto a = LogNormal(rng, 600, 120, 0.5);
  const auto b = LogNormal(rng, 600, 100, 0.5);
  std::vector<double> a_s;
  std::vector<double> b_s;
  for (double x : a) a_s.push_back(x / 1024);  // a power of two: exact
  for (double x : b) b_s.push_back(x / 1024);
  const Verdict ms = JudgeOne({.name = "Duration"}, a, b);
  const Verdict s = JudgeOne({.name = "Duration"}, a_s, b_s);
  EXPECT_EQ(ms.outcome, s.outcome);
  ASSERT_EQ(ms.metrics[0].checks.size(), s.metrics[0].checks.size());
  for (std::size_t i = 0; i < ms.metrics[0].checks.size(); ++i) {
    EXPECT_EQ(ms.metrics[0].checks[i].p_value, s.metrics[0].checks[i].p_value);
    EXPECT_EQ(ms.metrics[0].checks[i].relative_effect, s.metrics[0].checks[i].relative_effect);
    EXPECT_EQ(ms.metrics[0].checks[i].beyond_tolerance, s.metrics[0].checks[i].beyond_tolerance);
  }
}

TEST(PropertyTest, OrderOfValuesDoesNotMatterAndRunsRepeat) {
  std::mt19937_64 rng(23);
  auto a = LogNormal(rng, 777, 100, 0.5);
  auto b = LogNormal(rng, 1500, 104, 0.5);
  const Verdict first = JudgeOne({.name = "Duration"}, a, b);
  for (int i = 0; i < 5; ++i) {
    std::shuffle(a.begin(), a.end(), rng);
    std::shuffle(b.begin(), b.end(), rng);
    const Verdict again = JudgeOne({.name = "Duration"}, a, b);
    EXPECT_EQ(again.outcome, first.outcome);
    EXPECT_EQ(again.summary, first.summary);
    EXPECT_EQ(again.metrics[0].explanation, first.metrics[0].explanation);
    EXPECT_EQ(again.metrics[0].decision.p_value, first.metrics[0].decision.p_value);
    EXPECT_EQ(std::get<ContinuousSummary>(again.metrics[0].canary).mean,
              std::get<ContinuousSummary>(first.metrics[0].canary).mean);
  }
}

TEST(PropertyTest, MissingValuesAreRemovedNotJudged) {
  std::mt19937_64 rng(24);
  const auto a = LogNormal(rng, 300, 100, 0.5);
  const auto b = LogNormal(rng, 300, 100, 0.5);
  std::vector<double> a_gaps = a;
  for (int i = 0; i < 100; ++i) {
    a_gaps.insert(a_gaps.begin() + static_cast<long>(rng() % a_gaps.size()), i % 3 == 0 ? NAN
                                                                             : i % 3 == 1
                                                                                 ? INFINITY
                                                                                 : -INFINITY);
  }
  const Verdict clean = JudgeOne({.name = "Duration"}, a, b);
  const Verdict gaps = JudgeOne({.name = "Duration"}, a_gaps, b);
  EXPECT_EQ(gaps.outcome, clean.outcome);
  EXPECT_EQ(gaps.metrics[0].decision.p_value, clean.metrics[0].decision.p_value);
  EXPECT_EQ(std::get<ContinuousSummary>(gaps.metrics[0].canary).missing, 100u);
}

TEST(PropertyTest, CountWindowsOnlyMatterThroughTheirTotals) {
  const std::vector<CountWindow> one{{12, 1000}};
  const std::vector<CountWindow> split{{5, 300}, {0, 200}, {7, 500}};
  const std::vector<CountWindow> baseline{{10, 9000}};
  auto judge = [&](std::span<const CountWindow> canary) {
    const std::vector<MetricInput> in{{{.name = "Errors"}, CountSamples{canary, baseline}}};
    return *Judge(in, {});
  };
  EXPECT_EQ(judge(one).metrics[0].explanation, judge(split).metrics[0].explanation);
  EXPECT_EQ(judge(one).metrics[0].decision.p_value, judge(split).metrics[0].decision.p_value);
}

TEST(PropertyTest, MoreEvidenceNeverWeakensARegression) {
  // Adding one more canary error (same exposure) never raises the p-value.
  double previous = 1;
  for (double errors = 0; errors <= 30; ++errors) {
    const std::vector<CountWindow> canary{{errors, 1000}};
    const std::vector<CountWindow> baseline{{9, 9000}};
    const std::vector<MetricInput> in{{{.name = "Errors"}, CountSamples{canary, baseline}}};
    const double p = Judge(in, {})->metrics[0].checks[0].p_value;
    EXPECT_LE(p, previous + 1e-15) << errors;
    previous = p;
  }
}

}  // namespace
}  // namespace ferry::verify
