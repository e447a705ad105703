// The nonparametric statistics of continuous metrics, on samples sorted ascending (no NaN):
// Mann–Whitney U, the Hodges–Lehmann shift, and the tail exceedance test. Pure; thread-safe.
//
// Everything works from the two sorted samples: U and its tie correction come from one merge
// (O(n + m)), the Hodges–Lehmann shift from a selection over the implicit n × m matrix of
// pairwise differences (O((n + m) log(nm)), never materialised), the tail test from one binary
// search. The caller sorts once.
#pragma once

#include <cstdint>
#include <span>

namespace ferry::verify {

struct MannWhitneyResult {
  double u = 0;          // pairs with a > b, plus half the tied pairs (the canary's U)
  double mean = 0;       // E[U] = n m / 2 under "same distribution"
  double p_greater = 1;  // P(U >= u) under H0: evidence that a tends to be larger
  double p_less = 1;     // P(U <= u) under H0: evidence that a tends to be smaller
  bool exact = false;    // exact null distribution (no ties, both samples < 50) vs normal approx.
};

// Mann–Whitney U of a against b. Exact null distribution when there are no ties and both samples
// have fewer than kExactLimit values; otherwise the normal approximation with tie correction and
// continuity correction. All values tied (zero variance): both p-values are 1.
inline constexpr std::size_t kExactLimit = 50;
MannWhitneyResult MannWhitney(std::span<const double> a, std::span<const double> b);

// The Hodges–Lehmann estimate of the shift of a relative to b: the median of the n m pairwise
// differences a[i] - b[j] (mean of the two middle ones when n m is even). Both non-empty.
double HodgesLehmannShift(std::span<const double> a, std::span<const double> b);
// The k-th smallest (0-based) pairwise difference a[i] - b[j], k < n m.
double PairwiseDifference(std::span<const double> a, std::span<const double> b, std::uint64_t k);

// The q-quantile by nearest rank: the ceil(q n)-th smallest value (the smallest for q n <= 1).
double NearestRank(std::span<const double> sorted, double q);
// The median: the middle value, or the mean of the two middle values.
double Median(std::span<const double> sorted);

struct TailExceedanceResult {
  double quantile = 0;        // q, e.g. 0.99
  double baseline_value = 0;  // the baseline's q-quantile (nearest rank)
  double threshold = 0;       // baseline_value + margin: what canary values are counted above
  double canary_value = 0;    // the canary's q-quantile (nearest rank)
  double exceed = 0;          // canary values strictly above the threshold
  double expected = 0;        // values above baseline_value expected under "same distribution"
  double p = 1;               // P(exceedances >= exceed) under H0
};

// How many of a's values exceed b's q-quantile plus `margin` (>= 0), and how surprising that is
// if both samples come from the same continuous distribution. Without margin the exceedance
// probability of b's r-th order statistic is Beta(m - r + 1, r), so the count is
// BetaBinomial(n, m - r + 1, r): exact for every n and m, including the uncertainty of the
// baseline's own quantile. A margin only lowers the count, so the p-value stays valid
// (conservative); with it, a small p means "more than (1 - q) of the canary lies beyond the
// baseline's quantile plus the margin" — a tail increase larger than the margin, not noise in
// the canary's own quantile. Ties are conservative too (values equal to the threshold do not
// count).
TailExceedanceResult TailExceedance(std::span<const double> a, std::span<const double> b, double q,
                                    double margin = 0);

}  // namespace ferry::verify
