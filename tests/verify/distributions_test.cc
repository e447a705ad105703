// The exact tails (verify/distributions.h) against values computed by hand and an independent
// direct summation.
#include "verify/distributions.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ferry::verify {
namespace {

// P(X >= k), X ~ Binomial(n, p), by multiplying out each pmf (fine for small n).
double DirectUpper(int k, int n, double p) {
  long double sum = 0;
  for (int j = k; j <= n; ++j) {
    long double term = 1;
    for (int i = 0; i < j; ++i) term *= static_cast<long double>(n - i) / (i + 1) * p;
    for (int i = 0; i < n - j; ++i) term *= 1 - p;
    sum += term;
  }
  return static_cast<double>(sum);
}

TEST(DistributionsTest, BinomialTailsByHand) {
  EXPECT_NEAR(BinomialUpperTail(8, 10, 0.5), 56.0 / 1024, 1e-15);  // 45 + 10 + 1
  EXPECT_NEAR(BinomialLowerTail(2, 10, 0.5), 56.0 / 1024, 1e-15);
  // The example: 3 errors in 200 canary invocations, 0 in 2,000 baseline ones. All 3
  // errors are the canary's with probability (200/2200)^3.
  EXPECT_NEAR(BinomialUpperTail(3, 3, 200.0 / 2200), std::pow(1.0 / 11, 3), 1e-15);
  EXPECT_DOUBLE_EQ(BinomialUpperTail(0, 10, 0.3), 1);
  EXPECT_DOUBLE_EQ(BinomialUpperTail(11, 10, 0.3), 0);
  EXPECT_DOUBLE_EQ(BinomialLowerTail(10, 10, 0.3), 1);
  EXPECT_DOUBLE_EQ(BinomialLowerTail(-1, 10, 0.3), 0);
  EXPECT_DOUBLE_EQ(BinomialUpperTail(1, 10, 0), 0);
  EXPECT_DOUBLE_EQ(BinomialUpperTail(1, 10, 1), 1);
}

TEST(DistributionsTest, BinomialTailsMatchDirectSummation) {
  for (int n : {1, 2, 7, 30, 200}) {
    for (double p : {0.001, 0.1, 0.5, 0.9}) {
      for (int k = 0; k <= n; k += std::max(1, n / 13)) {
        const double direct = DirectUpper(k, n, p);
        EXPECT_NEAR(BinomialUpperTail(k, n, p), direct, 1e-12 + 1e-9 * direct)
            << "k=" << k << " n=" << n << " p=" << p;
        EXPECT_NEAR(BinomialLowerTail(k, n, p), 1 - DirectUpper(k + 1, n, p), 1e-12)
            << "k=" << k << " n=" << n << " p=" << p;
      }
    }
  }
}

TEST(DistributionsTest, FarTailsKeepRelativePrecision) {
  // 2^-1000: every flip heads.
  EXPECT_NEAR(BinomialUpperTail(1000, 1000, 0.5) / std::pow(2.0, -1000), 1, 1e-9);
  // A billion trials, three standard deviations up: the normal approximation is excellent here.
  const double n = 1e9;
  const double sd = std::sqrt(n * 0.25);
  const double k = std::ceil(n / 2 + 3 * sd);
  EXPECT_NEAR(BinomialUpperTail(k, n, 0.5), NormalUpperTail((k - 0.5 - n / 2) / sd), 1e-5);
}

TEST(DistributionsTest, BetaBinomialByHand) {
  // a = b = 1: uniform on 0..n.
  EXPECT_NEAR(BetaBinomialUpperTail(30, 100, 1, 1), 71.0 / 101, 1e-12);
  EXPECT_NEAR(BetaBinomialUpperTail(90, 100, 1, 1), 11.0 / 101, 1e-12);
  // n = 2, a = 1, b = 2: pmf 1/2, 1/3, 1/6.
  EXPECT_NEAR(BetaBinomialUpperTail(1, 2, 1, 2), 0.5, 1e-12);
  EXPECT_NEAR(BetaBinomialUpperTail(2, 2, 1, 2), 1.0 / 6, 1e-12);
  // One new value above the largest of m: probability 1 / (m + 1).
  EXPECT_NEAR(BetaBinomialUpperTail(1, 1, 1, 99), 0.01, 1e-12);
  EXPECT_DOUBLE_EQ(BetaBinomialUpperTail(0, 5, 2, 3), 1);
  EXPECT_DOUBLE_EQ(BetaBinomialUpperTail(6, 5, 2, 3), 0);
}

TEST(DistributionsTest, BetaBinomialTailsNeverIncrease) {
  for (double a : {1.0, 2.0, 11.0, 991.0}) {
    for (double b : {1.0, 9.0, 100.0}) {
      const double n = 500;
      double previous = 1;
      for (double k = 1; k <= n; k += 7) {
        const double tail = BetaBinomialUpperTail(k, n, a, b);
        EXPECT_LE(tail, previous + 1e-12) << "tails never increase";
        previous = tail;
      }
    }
  }
}

TEST(DistributionsTest, NormalTailKnownValues) {
  EXPECT_DOUBLE_EQ(NormalUpperTail(0), 0.5);
  EXPECT_NEAR(NormalUpperTail(1.959963984540054), 0.025, 1e-12);
  EXPECT_NEAR(NormalUpperTail(-1.644853626951472), 0.95, 1e-12);
  EXPECT_NEAR(NormalUpperTail(10) / 7.619853024160527e-24, 1, 1e-9);
}

TEST(DistributionsTest, LogGammaKnownValues) {
  EXPECT_NEAR(LogGamma(1), 0, 1e-15);
  EXPECT_NEAR(LogGamma(5), std::log(24.0), 1e-13);
  EXPECT_NEAR(LogGamma(0.5), 0.5 * std::log(M_PI), 1e-14);
}

}  // namespace
}  // namespace ferry::verify
