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

// For every row, how many of its differences are < x and <= x. The first b index whose
// difference is <= x never decreases with i (a ascending), so forward walks over both samples
// serve every row: O(n + m), written without data-dependent branches (each step moves either i
// or j) because the walk is the inner loop of the shift estimate.
struct RowCounts {
  std::vector<std::uint64_t> less;
  std::vector<std::uint64_t> at_most;
  std::uint64_t total_less = 0;
  std::uint64_t total_at_most = 0;
};

// Fills counts[i] with row i's differences <= x (< x when kStrict); returns their total and
// whether some difference met at a row's boundary equals x. The rows are cut into kChains runs,
// each starting at its first row's boundary (a binary search) and walked in lockstep: the walks
// are independent, so the processor overlaps them instead of waiting on one chain of loads.
template <bool kStrict>
std::uint64_t CountWalk(std::span<const double> a, std::span<const double> b, double x,
                        std::vector<std::uint64_t>& counts, bool& saw_equal) {
  constexpr std::size_t kChains = 4;  // the unrolled loop below walks exactly four
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  auto skip = [x](double d) { return kStrict ? !(d < x) : !(d <= x); };
  std::size_t i[kChains];
  std::size_t end[kChains];
  std::size_t j[kChains];
  for (std::size_t c = 0; c < kChains; ++c) {
    i[c] = n * c / kChains;
    end[c] = n * (c + 1) / kChains;
    // The first b index whose difference with row i[c] does not skip.
    std::size_t first = 0;
    std::size_t length = m;
    while (i[c] < end[c] && length > 0) {
      const std::size_t half = length / 2;
      const bool s = skip(a[i[c]] - b[first + half]);
      first = s ? first + half + 1 : first;
      length = s ? length - half - 1 : half;
    }
    j[c] = first;
  }
  bool equal = false;
  // One step of chain c; false once it is done. Written out for the four chains so that their
  // state stays in registers.
  auto step = [&](std::size_t& row, std::size_t row_end, std::size_t& col) {
    if (row == row_end || col == m) return false;
    const double d = a[row] - b[col];
    const bool s = skip(d);
    counts[row] = m - col;  // final once the row stops advancing col
    equal |= d == x;
    col += s;
    row += !s;
    return true;
  };
  std::size_t i0 = i[0], i1 = i[1], i2 = i[2], i3 = i[3];
  std::size_t j0 = j[0], j1 = j[1], j2 = j[2], j3 = j[3];
  while (true) {
    const bool a0 = step(i0, end[0], j0);
    const bool a1 = step(i1, end[1], j1);
    const bool a2 = step(i2, end[2], j2);
    const bool a3 = step(i3, end[3], j3);
    if (!(a0 | a1 | a2 | a3)) break;
  }
  i[0] = i0, i[1] = i1, i[2] = i2, i[3] = i3;
  for (std::size_t c = 0; c < kChains; ++c) {
    for (; i[c] < end[c]; ++i[c]) counts[i[c]] = 0;  // their walk ran out of b
  }
  std::uint64_t total = 0;
  for (std::size_t r = 0; r < n; ++r) total += counts[r];
  saw_equal = equal;
  return total;
}

void CountRows(std::span<const double> a, std::span<const double> b, double x, RowCounts& c) {
  bool saw_equal = false;
  c.total_at_most = CountWalk<false>(a, b, x, c.at_most, saw_equal);
  if (!saw_equal) {
    // No difference equals x: every row's boundary difference is < x.
    c.less = c.at_most;
    c.total_less = c.total_at_most;
    return;
  }
  c.total_less = CountWalk<true>(a, b, x, c.less, saw_equal);
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

// The k-th smallest pairwise difference and the next one (+inf when k is the last).
static std::pair<double, double> PairwiseDifferenceAndNext(std::span<const double> a,
                                                           std::span<const double> b,
                                                           std::uint64_t k) {
  const std::size_t n = a.size();
  const std::uint64_t m = b.size();
  // Row i's ascending rank r is b index m - 1 - r. Each round counts the differences below a
  // pivot (O(n + m)) and drops the candidates on the wrong side of it; once few remain they are
  // selected directly. Pivots come from a secant on the rank (the count is a smooth function of
  // the pivot for all but tiny samples: a handful of rounds), kept inside the bracket known so
  // far; after three rounds in a row that each dropped less than a quarter of the candidates,
  // the next pivot is the weighted median of the rows' middle candidates, which drops at least
  // a quarter whatever the data.
  std::vector<Row> rows(n, Row{0, m});
  RowCounts counts{std::vector<std::uint64_t>(n), std::vector<std::uint64_t>(n)};
  std::vector<std::pair<double, std::uint64_t>> middles;
  auto value = [&](std::size_t i, std::uint64_t rank) { return a[i] - b[m - 1 - rank]; };
  const std::uint64_t direct = std::max<std::uint64_t>(n + m, 4096);
  const double target = static_cast<double>(k) + 0.5;
  double below_value = -INFINITY;  // target > below_value
  double above_value = INFINITY;   // target < above_value
  double last_x = NAN;
  double last_rank = NAN;
  double pivot = Median(a) - Median(b);
  std::uint64_t candidates = static_cast<std::uint64_t>(n) * m;
  int slow_rounds = 0;  // in a row
  int same_side = 0;    // pivots in a row that landed on the same side of the target
  bool last_down = false;
  while (true) {
    if (candidates <= direct) {
      std::vector<double> rest;
      rest.reserve(candidates);
      std::uint64_t known_below = 0;
      for (std::size_t i = 0; i < n; ++i) {
        known_below += rows[i].lo;
        for (std::uint64_t r = rows[i].lo; r < rows[i].hi; ++r) rest.push_back(value(i, r));
      }
      auto nth = rest.begin() + static_cast<std::ptrdiff_t>(k - known_below);
      std::nth_element(rest.begin(), nth, rest.end());
      double next = INFINITY;
      if (nth + 1 != rest.end()) {
        next = *std::min_element(nth + 1, rest.end());
      } else {
        // The next one was dropped as too high: the smallest of the rows' first dropped ones.
        for (std::size_t i = 0; i < n; ++i) {
          if (rows[i].hi < m) next = std::min(next, value(i, rows[i].hi));
        }
      }
      return {*nth, next};
    }
    if (slow_rounds >= 3 || !(pivot > below_value && pivot < above_value)) {
      middles.clear();
      for (std::size_t i = 0; i < n; ++i) {
        const Row& row = rows[i];
        if (row.lo < row.hi) {
          middles.emplace_back(value(i, row.lo + (row.hi - row.lo) / 2), row.hi - row.lo);
        }
      }
      pivot = WeightedMedian(middles);
    }
    CountRows(a, b, pivot, counts);
    if (k >= counts.total_less && k < counts.total_at_most) {
      if (k + 1 < counts.total_at_most) return {pivot, pivot};
      double next = INFINITY;  // the smallest difference above the pivot
      for (std::size_t i = 0; i < n; ++i) {
        if (counts.at_most[i] < m) next = std::min(next, value(i, counts.at_most[i]));
      }
      return {pivot, next};
    }
    const std::uint64_t before = candidates;
    candidates = 0;
    const bool go_down = k < counts.total_less;
    for (std::size_t i = 0; i < n; ++i) {
      Row& row = rows[i];
      if (go_down) {
        row.hi = std::min(row.hi, counts.less[i]);
      } else {
        row.lo = std::max(row.lo, counts.at_most[i]);
      }
      row.hi = std::max(row.hi, row.lo);
      candidates += row.hi - row.lo;
    }
    (go_down ? above_value : below_value) = pivot;
    slow_rounds = candidates > before / 4 * 3 ? slow_rounds + 1 : 0;
    same_side = go_down == last_down ? same_side + 1 : 0;
    last_down = go_down;
    // The next pivot: the secant through the last two (pivot, rank) points.
    const double rank =
        (static_cast<double>(counts.total_less) + static_cast<double>(counts.total_at_most)) / 2;
    // It aims a little past the target, to the other side of this pivot, so that the two
    // close a bracket of few candidates: as many ranks past as this pivot missed by, at most
    // an eighth of n + m, and four times further for each pivot in a row on the same side.
    const double offset = (std::min(std::fabs(rank - target), static_cast<double>(n + m) / 8) + 1) *
                          std::pow(4.0, std::min(same_side, 8));
    const double aim = go_down ? target - offset : target + offset;
    double next = NAN;
    if (!std::isnan(last_x) && rank != last_rank && pivot != last_x) {
      next = pivot + (aim - rank) * (pivot - last_x) / (rank - last_rank);
    } else {
      // No slope yet: Newton's step with the slope of the count for normal samples of the same
      // interquartile ranges (nm times the density of a difference at its centre).
      const double iqr_a = NearestRank(a, 0.75) - NearestRank(a, 0.25);
      const double iqr_b = NearestRank(b, 0.75) - NearestRank(b, 0.25);
      const double sd = std::sqrt(iqr_a * iqr_a + iqr_b * iqr_b) / 1.349;
      const double slope = static_cast<double>(n) * static_cast<double>(m) / (2.5066 * sd);
      next = pivot + (aim - rank) / slope;  // NaN or ±inf without spread: the weighted median
    }
    last_x = pivot;
    last_rank = rank;
    pivot = next;
  }
}

double PairwiseDifference(std::span<const double> a, std::span<const double> b, std::uint64_t k) {
  return PairwiseDifferenceAndNext(a, b, k).first;
}

double HodgesLehmannShift(std::span<const double> a, std::span<const double> b) {
  const std::uint64_t pairs = static_cast<std::uint64_t>(a.size()) * b.size();
  if (pairs == 0) return 0;
  const auto [low, high] = PairwiseDifferenceAndNext(a, b, (pairs - 1) / 2);
  return pairs % 2 == 1 ? low : low / 2 + high / 2;
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
