// Mann–Whitney U, the Hodges–Lehmann shift and the tail exceedance test (verify/rank_tests.h)
// against brute force: every pair, every split.
#include "verify/rank_tests.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "verify/distributions.h"

namespace ferry::verify {
namespace {

std::vector<double> Sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<double> RandomInts(std::mt19937_64& rng, std::size_t n, int range) {
  std::uniform_int_distribution<int> d(0, range);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return Sorted(v);
}

double BruteU(const std::vector<double>& a, const std::vector<double>& b) {
  double u = 0;
  for (double x : a) {
    for (double y : b) u += x > y ? 1 : x == y ? 0.5 : 0;
  }
  return u;
}

std::vector<double> BruteDifferences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  for (double x : a) {
    for (double y : b) d.push_back(x - y);
  }
  return Sorted(d);
}

TEST(MannWhitneyTest, UMatchesEveryPairWithTies) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    const auto a = RandomInts(rng, 1 + rng() % 80, 6);
    const auto b = RandomInts(rng, 1 + rng() % 80, 6);
    const MannWhitneyResult r = MannWhitney(a, b);
    EXPECT_DOUBLE_EQ(r.u, BruteU(a, b));
    EXPECT_DOUBLE_EQ(r.mean, a.size() * b.size() / 2.0);
  }
}

TEST(MannWhitneyTest, ExactSmallSamplesByHand) {
  // Complete separation of 3 and 3: one arrangement of C(6, 3) = 20.
  MannWhitneyResult r = MannWhitney(std::vector<double>{4, 5, 6}, std::vector<double>{1, 2, 3});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 9);
  EXPECT_NEAR(r.p_greater, 1.0 / 20, 1e-15);
  EXPECT_NEAR(r.p_less, 1.0, 1e-15);
  // 5 and 5: 1 / C(10, 5) = 1/252.
  r = MannWhitney(std::vector<double>{6, 7, 8, 9, 10}, std::vector<double>{1, 2, 3, 4, 5});
  EXPECT_NEAR(r.p_greater, 1.0 / 252, 1e-15);
  // 3 and 2: U = 2. Of the C(5, 2) = 10 arrangements, U = 0, 1, 2, ..., 6 occur 1, 1, 2, 2, 2,
  // 1, 1 times (the Gaussian binomial [5 choose 2]), so P(U <= 2) = 4/10, P(U >= 2) = 8/10.
  r = MannWhitney(std::vector<double>{1, 2.5, 3}, std::vector<double>{2, 4});
  EXPECT_DOUBLE_EQ(r.u, 2);
  EXPECT_NEAR(r.p_less, 4.0 / 10, 1e-15);
  EXPECT_NEAR(r.p_greater, 8.0 / 10, 1e-15);
}

// P(U >= u) by enumerating every split of the pooled values into groups of n and m.
double EnumeratedUpper(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> pooled = a;
  pooled.insert(pooled.end(), b.begin(), b.end());
  const std::size_t n = a.size();
  std::vector<bool> pick(pooled.size(), false);
  std::fill(pick.begin(), pick.begin() + static_cast<long>(n), true);
  const double observed = BruteU(a, b);
  double at_least = 0;
  double total = 0;
  do {
    std::vector<double> x;
    std::vector<double> y;
    for (std::size_t i = 0; i < pooled.size(); ++i) (pick[i] ? x : y).push_back(pooled[i]);
    total += 1;
    at_least += BruteU(x, y) >= observed ? 1 : 0;
  } while (std::prev_permutation(pick.begin(), pick.end()));
  return at_least / total;
}

TEST(MannWhitneyTest, ExactMatchesEnumeration) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> d(0, 1);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<double> a(1 + rng() % 6);
    std::vector<double> b(1 + rng() % 7);
    for (double& x : a) x = d(rng) + 0.7;
    for (double& x : b) x = d(rng);
    a = Sorted(a);
    b = Sorted(b);
    const MannWhitneyResult r = MannWhitney(a, b);
    ASSERT_TRUE(r.exact);
    EXPECT_NEAR(r.p_greater, EnumeratedUpper(a, b), 1e-12);
  }
}

TEST(MannWhitneyTest, NormalApproximationCloseToExactAtTheBoundary) {
  // 49 and 49 values use the exact distribution, 50 and 50 the approximation: both agree on a
  // moderate effect to within a fraction of a percent.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> d(0, 1);
  for (std::size_t n : {49u, 50u}) {
    std::vector<double> a(n);
    std::vector<double> b(n);
    for (std::size_t i = 0; i < n; ++i) {
      b[i] = static_cast<double>(i);
      a[i] = static_cast<double>(i) + 10.5;
    }
    const MannWhitneyResult r = MannWhitney(Sorted(a), Sorted(b));
    EXPECT_EQ(r.exact, n < kExactLimit);
    // U = n^2 - (n-10)(n-11)/2; z about 2.2: p about 0.014.
    const double u = static_cast<double>(n * n) - (n - 10.0) * (n - 11.0) / 2;
    EXPECT_DOUBLE_EQ(r.u, u);
    const double sd = std::sqrt(n * n * (2 * n + 1.0) / 12);
    EXPECT_NEAR(r.p_greater, NormalUpperTail((u - n * n / 2.0 - 0.5) / sd), 0.002);
  }
}

TEST(MannWhitneyTest, AllTiedIsNoEvidence) {
  const std::vector<double> a(100, 3.0);
  const std::vector<double> b(300, 3.0);
  const MannWhitneyResult r = MannWhitney(a, b);
  EXPECT_DOUBLE_EQ(r.p_greater, 1);
  EXPECT_DOUBLE_EQ(r.p_less, 1);
}

TEST(HodgesLehmannTest, EveryOrderStatisticMatchesBruteForce) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 60; ++trial) {
    const int range = trial % 2 == 0 ? 5 : 1000000;  // heavy ties, then almost none
    const auto a = RandomInts(rng, 1 + rng() % 40, range);
    const auto b = RandomInts(rng, 1 + rng() % 40, range);
    const auto all = BruteDifferences(a, b);
    for (std::uint64_t k = 0; k < all.size(); ++k) {
      ASSERT_EQ(PairwiseDifference(a, b, k), all[k]) << "k=" << k;
    }
    const std::size_t p = all.size();
    const double median = p % 2 ? all[p / 2] : all[p / 2 - 1] / 2 + all[p / 2] / 2;
    EXPECT_EQ(HodgesLehmannShift(a, b), median);
  }
}

TEST(HodgesLehmannTest, LargeSamplesSelectExactly) {
  // 3,000 × 2,000 = 6 million differences: past the direct-selection threshold, so the
  // weighted-median rounds run; checked against the fully sorted differences.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> d(0, 10);
  std::vector<double> a(3000);
  std::vector<double> b(2000);
  for (double& x : a) x = d(rng) + 5;
  for (double& x : b) x = d(rng);
  a = Sorted(a);
  b = Sorted(b);
  const auto all = BruteDifferences(a, b);
  EXPECT_EQ(HodgesLehmannShift(a, b), all[all.size() / 2 - 1] / 2 + all[all.size() / 2] / 2);
  for (std::uint64_t k : {0ul, 1ul, 12345ul, 2999999ul, 5999999ul}) {
    EXPECT_EQ(PairwiseDifference(a, b, k), all[k]);
  }
  EXPECT_NEAR(HodgesLehmannShift(a, b), 5, 1);
}

TEST(QuantileTest, NearestRankAndMedian) {
  const std::vector<double> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(NearestRank(v, 0.9), 9);
  EXPECT_EQ(NearestRank(v, 0.99), 10);
  EXPECT_EQ(NearestRank(v, 0), 1);
  EXPECT_EQ(Median(v), 5.5);
  EXPECT_EQ(Median(std::vector<double>{1, 2, 7}), 2);
  EXPECT_TRUE(std::isnan(Median(std::vector<double>{})));
}

TEST(TailExceedanceTest, CountsAndExactNull) {
  std::vector<double> b(100);
  for (int i = 0; i < 100; ++i) b[i] = i + 1;  // p90 = 90
  const std::vector<double> a{10, 50, 89, 90, 91, 95, 120, 200};
  const TailExceedanceResult r = TailExceedance(a, b, 0.9);
  EXPECT_EQ(r.baseline_value, 90);
  EXPECT_EQ(r.canary_value, 200);
  EXPECT_EQ(r.exceed, 4) << "strictly above 90";
  EXPECT_NEAR(r.expected, 8 * 11.0 / 101, 1e-12);
  EXPECT_NEAR(r.p, BetaBinomialUpperTail(4, 8, 11, 90), 1e-15);
  EXPECT_LT(r.p, 0.05);
}

TEST(TailExceedanceTest, FalseAlarmRateIsAtMostNominal) {
  // Same distribution: the fraction of trials with p <= 0.05 stays near or under 5 %.
  std::mt19937_64 rng(6);
  std::normal_distribution<double> d(0, 1);
  int rejected = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    std::vector<double> a(50);
    std::vector<double> b(200);
    for (double& x : a) x = d(rng);
    for (double& x : b) x = d(rng);
    rejected += TailExceedance(Sorted(a), Sorted(b), 0.9).p <= 0.05 ? 1 : 0;
  }
  EXPECT_LE(rejected, trials * 0.06);
}

}  // namespace
}  // namespace ferry::verify
