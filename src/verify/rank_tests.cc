#include "verify/rank_tests.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "verify/distributions.h"

namespace ferry::verify {
namespace {

// The null distribution of U for n and m untied values: the coefficients of the Gaussian
// binomial [n+m choose n]_q = prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i), built one factor at a
// time (each intermediate is itself a Gaussian binomial, so every division is exact).
// Returns P(U >= u) and P(U <= u).
std::pair<double, double> ExactTails(std::size_t n, std::size_t m, double u) {
  if (n > m) {
    // U of a against b has the same null distribution with the roles swapped.
    std::swap(n, m);
  }
  const std::size_t max_u = n * m;
  // Before its division, the i-th intermediate has degree i m + i: room for n more.
  std::vector<long double> c(max_u + n + 1, 0.0L);
  c[0] = 1;
  std::size_t degree = 0;
  for (std::size_t i = 1; i <= n; ++i) {
    const std::size_t up = m + i;
    const std::size_t top = degree + up;
    for (std::size_t k = top; k >= up; --k) c[k] -= c[k - up];
    for (std::size_t k = i; k <= top; ++k) c[k] += c[k - i];
    degree = top - i;
  }
  long double total = 0;
  for (std::size_t k = 0; k <= max_u; ++k) total += std::max(c[k], 0.0L);
  // u is a whole number (no ties).
  const auto at = static_cast<std::size_t>(std::llround(u));
  long double upper = 0;
  long double lower = 0;
  for (std::size_t k = 0; k <= max_u; ++k) {     // c[k] for k > max_u are 0
    const long double x = std::max(c[k], 0.0L);  // rounding may leave -0.0 for a true 0
    if (k >= at) upper += x;
    if (k <= at) lower += x;
  }
  const long double smallest = 1.0L / total;
  return {static_cast<double>(std::clamp(upper / total, smallest, 1.0L)),
          static_cast<double>(std::clamp(lower / total, smallest, 1.0L))};
}

// Per-row bookkeeping of the pairwise-difference selection: row i holds a[i] - b[j] for all j,
// ascending as j decreases. Candidates of row i are its ranks [lo, hi) in ascending order.
struct Row {
  std::uint64_t lo;
  std::uint64_t hi;
};

// Number of differences <= x (or < x when strict) in each row, as the first b index whose
// difference satisfies it: s_i, with count m - s_i. s_i never decreases with i (a ascending),
// so one forward pointer serves every row.
template <bool kStrict>
std::uint64_t CountAtMost(std::span<const double> a, std::span<const double> b, double x,
                          std::vector<std::uint64_t>& counts) {
  const std::size_t m = b.size();
  std::size_t j = 0;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    while (j < m && (kStrict ? !(a[i] - b[j] < x) : !(a[i] - b[j] <= x))) ++j;
    counts[i] = m - j;
    total += m - j;
  }
  return total;
}

// The value v of (value, weight) pairs with weight(< v) < half <= weight(<= v).
double WeightedMedian(std::vector<std::pair<double, std::uint64_t>>& items) {
  std::uint64_t total = 0;
  for (const auto& [v, w] : items) total += w;
  std::uint64_t target = (total + 1) / 2;  // the weighted median's rank, 1-based
  auto first = items.begin();
  auto last = items.end();
  while (true) {
    auto mid = first + (last - first) / 2;
    std::nth_element(first, mid, last,
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::uint64_t below = 0;
    for (auto it = first; it != mid; ++it) below += it->second;
    if (target <= below) {
      last = mid;
    } else if (target <= below + mid->second) {
      return mid->first;
    } else {
      target -= below + mid->second;
      first = mid + 1;
    }
  }
}

}  // namespace

MannWhitneyResult MannWhitney(std::span<const double> a, std::span<const double> b) {
  const double n = static_cast<double>(a.size());
  const double m = static_cast<double>(b.size());
  MannWhitneyResult r;
  r.mean = n * m / 2;
  if (a.empty() || b.empty()) return r;
  double u = 0;
  double ties = 0;  // sum of t^3 - t over groups of tied values
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    const double v = j == b.size() || (i < a.size() && a[i] < b[j]) ? a[i] : b[j];
    double in_a = 0;
    double in_b = 0;
    const double below_in_b = static_cast<double>(j);
    while (i < a.size() && a[i] == v) ++i, ++in_a;
    while (j < b.size() && b[j] == v) ++j, ++in_b;
    u += in_a * below_in_b + 0.5 * in_a * in_b;
    const double t = in_a + in_b;
    ties += t * t * t - t;
  }
  r.u = u;
  if (ties == 0 && a.size() < kExactLimit && b.size() < kExactLimit) {
    r.exact = true;
    std::tie(r.p_greater, r.p_less) = ExactTails(a.size(), b.size(), u);
    return r;
  }
  const double total = n + m;
  const double variance = n * m / 12 * ((total + 1) - ties / (total * (total - 1)));
  if (!(variance > 0)) return r;
  const double sd = std::sqrt(variance);
  r.p_greater = std::min(1.0, NormalUpperTail((u - r.mean - 0.5) / sd));
  r.p_less = std::min(1.0, NormalUpperTail((r.mean - u - 0.5) / sd));
  return r;
}

double PairwiseDifference(std::span<const double> a, std::span<const double> b, std::uint64_t k) {
  const std::size_t n = a.size();
  const std::uint64_t m = b.size();
  // Row i's ascending rank r is b index m - 1 - r. Candidates shrink by at least a quarter per
  // round (the pivot is the weighted median of the rows' middle candidates); once few remain,
  // they are selected directly.
  std::vector<Row> rows(n, Row{0, m});
  std::vector<std::uint64_t> at_most(n);
  std::vector<std::uint64_t> below(n);
  std::vector<std::pair<double, std::uint64_t>> middles;
  middles.reserve(n);
  auto value = [&](std::size_t i, std::uint64_t rank) { return a[i] - b[m - 1 - rank]; };
  const std::uint64_t direct = std::max<std::uint64_t>(4 * (n + m), 1024);
  while (true) {
    std::uint64_t candidates = 0;
    std::uint64_t known_below = 0;
    middles.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const Row& row = rows[i];
      known_below += row.lo;
      if (row.lo == row.hi) continue;
      candidates += row.hi - row.lo;
      middles.emplace_back(value(i, row.lo + (row.hi - row.lo) / 2), row.hi - row.lo);
    }
    if (candidates <= direct) {
      std::vector<double> rest;
      rest.reserve(candidates);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::uint64_t r = rows[i].lo; r < rows[i].hi; ++r) rest.push_back(value(i, r));
      }
      auto nth = rest.begin() + static_cast<std::ptrdiff_t>(k - known_below);
      std::nth_element(rest.begin(), nth, rest.end());
      return *nth;
    }
    const double pivot = WeightedMedian(middles);
    const std::uint64_t less = CountAtMost<true>(a, b, pivot, below);
    const std::uint64_t less_or_equal = CountAtMost<false>(a, b, pivot, at_most);
    if (k >= less && k < less_or_equal) return pivot;
    if (k < less) {
      for (std::size_t i = 0; i < n; ++i) rows[i].hi = std::min(rows[i].hi, below[i]);
    } else {
      for (std::size_t i = 0; i < n; ++i) rows[i].lo = std::max(rows[i].lo, at_most[i]);
    }
  }
}

double HodgesLehmannShift(std::span<const double> a, std::span<const double> b) {
  const std::uint64_t pairs = static_cast<std::uint64_t>(a.size()) * b.size();
  if (pairs == 0) return 0;
  const double low = PairwiseDifference(a, b, (pairs - 1) / 2);
  if (pairs % 2 == 1) return low;
  // The next difference: equal to low when enough ties, else the smallest one above low.
  std::vector<std::uint64_t> at_most(a.size());
  if (CountAtMost<false>(a, b, low, at_most) >= pairs / 2 + 1) return low;
  double high = INFINITY;
  const std::size_t m = b.size();
  for (std::size_t i = 0; i < a.size(); ++i) {
    // Row i's differences above low are those with b index < m - at_most[i].
    if (at_most[i] < m) high = std::min(high, a[i] - b[m - 1 - at_most[i]]);
  }
  return low / 2 + high / 2;
}

double NearestRank(std::span<const double> sorted, double q) {
  if (sorted.empty()) return NAN;
  const double n = static_cast<double>(sorted.size());
  const double rank = std::clamp(std::ceil(q * n), 1.0, n);
  return sorted[static_cast<std::size_t>(rank) - 1];
}

double Median(std::span<const double> sorted) {
  const std::size_t n = sorted.size();
  if (n == 0) return NAN;
  if (n % 2 == 1) return sorted[n / 2];
  return sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2;
}

TailExceedanceResult TailExceedance(std::span<const double> a, std::span<const double> b, double q,
                                    double margin) {
  TailExceedanceResult r;
  r.quantile = q;
  if (a.empty() || b.empty()) return r;
  const double n = static_cast<double>(a.size());
  const double m = static_cast<double>(b.size());
  const double rank = std::clamp(std::ceil(q * m), 1.0, m);
  r.baseline_value = b[static_cast<std::size_t>(rank) - 1];
  r.threshold = r.baseline_value + margin;
  r.canary_value = NearestRank(a, q);
  r.exceed = static_cast<double>(a.end() - std::upper_bound(a.begin(), a.end(), r.threshold));
  const double alpha = m - rank + 1;
  r.expected = n * alpha / (m + 1);
  r.p = BetaBinomialUpperTail(r.exceed, n, alpha, rank);
  return r;
}

}  // namespace ferry::verify
