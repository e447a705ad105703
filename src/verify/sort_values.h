// Internal to verify: sorting samples of doubles, the judge's largest cost.
#pragma once

#include <vector>

namespace ferry::verify::internal {

// Sorts finite values (no NaN) ascending: an LSD radix sort on the values' order-preserving
// 64-bit keys, 8 bits a pass, skipping the passes in which every value has the same digit
// (typically the sign and most exponent bits of latencies). O(n); several times faster than
// std::sort for the 10^3–10^6 values of a metric. -0.0 sorts before +0.0, which compare equal.
void SortValues(std::vector<double>& values);

}  // namespace ferry::verify::internal
