#include "verify/distributions.h"

#include <math.h>

#include <algorithm>
#include <cmath>

namespace ferry::verify {
namespace {

// Terms below this fraction of the running sum no longer change a double.
constexpr double kNegligible = 1e-18;

double LogChoose(double n, double k) {
  return LogGamma(n + 1) - LogGamma(k + 1) - LogGamma(n - k + 1);
}

double Clamp01(double p) { return std::clamp(p, 0.0, 1.0); }

// Sums pmf(j) for j = from, from + step, ... while inside [0, n], given pmf(from) in log space
// and ratio(j) = pmf(j + step) / pmf(j). Stops once the terms are decreasing and negligible.
template <typename Ratio>
double SumTail(double log_first, double from, double n, int step, Ratio ratio) {
  double term = std::exp(log_first);
  double sum = 0;
  double j = from;
  // A first term that underflows means a tail below 1e-308: reported as 0.
  while (j >= 0 && j <= n) {
    sum += term;
    const double r = ratio(j);
    term *= r;
    if (r < 1 && term <= sum * kNegligible) break;
    if (term == 0) break;
    j += step;
  }
  return sum;
}

}  // namespace

double LogGamma(double x) {
  int sign = 0;
  return lgamma_r(x, &sign);
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double BinomialUpperTail(double k, double n, double p) {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const double log_p = std::log(p);
  const double log_q = std::log1p(-p);
  auto log_pmf = [&](double j) { return LogChoose(n, j) + j * log_p + (n - j) * log_q; };
  if (k > n * p) {
    // pmf(j+1)/pmf(j) = (n-j)/(j+1) * p/q: below 1 from the mean on.
    return Clamp01(
        SumTail(log_pmf(k), k, n, +1, [&](double j) { return (n - j) / (j + 1) * (p / (1 - p)); }));
  }
  return Clamp01(1 - BinomialLowerTail(k - 1, n, p));
}

double BinomialLowerTail(double k, double n, double p) {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const double log_p = std::log(p);
  const double log_q = std::log1p(-p);
  auto log_pmf = [&](double j) { return LogChoose(n, j) + j * log_p + (n - j) * log_q; };
  if (k < n * p) {
    // pmf(j-1)/pmf(j) = j/(n-j+1) * q/p: below 1 under the mean.
    return Clamp01(
        SumTail(log_pmf(k), k, n, -1, [&](double j) { return j / (n - j + 1) * ((1 - p) / p); }));
  }
  return Clamp01(1 - BinomialUpperTail(k + 1, n, p));
}

double BetaBinomialUpperTail(double k, double n, double a, double b) {
  if (k <= 0) return 1;
  if (k > n) return 0;
  auto log_beta = [](double x, double y) { return LogGamma(x) + LogGamma(y) - LogGamma(x + y); };
  auto log_pmf = [&](double j) {
    return LogChoose(n, j) + log_beta(j + a, n - j + b) - log_beta(a, b);
  };
  const double mean = n * a / (a + b);
  if (k > mean) {
    // pmf(j+1)/pmf(j) = (n-j)/(j+1) * (j+a)/(n-j-1+b).
    return Clamp01(SumTail(log_pmf(k), k, n, +1, [&](double j) {
      return (n - j) / (j + 1) * (j + a) / (n - j - 1 + b);
    }));
  }
  // P(X >= k) = 1 - P(X <= k-1); pmf(j-1)/pmf(j) = j/(n-j+1) * (n-j+b)/(j-1+a).
  const double lower = SumTail(log_pmf(k - 1), k - 1, n, -1, [&](double j) {
    return j / (n - j + 1) * (n - j + b) / (j - 1 + a);
  });
  return Clamp01(1 - lower);
}

}  // namespace ferry::verify
