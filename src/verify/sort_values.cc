#include "verify/sort_values.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace ferry::verify::internal {
namespace {

constexpr int kBits = 8;
constexpr int kPasses = (64 + kBits - 1) / kBits;
constexpr std::uint64_t kMask = (1u << kBits) - 1;
// Below this, std::sort is as fast and needs no buffers.
constexpr std::size_t kSmall = 256;

// Flips the sign bit of positives and every bit of negatives: unsigned order = double order.
std::uint64_t Key(double v) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  return (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
}

double Value(std::uint64_t key) {
  return std::bit_cast<double>((key >> 63) ? key & ~(std::uint64_t{1} << 63) : ~key);
}

}  // namespace

void SortValues(std::vector<double>& values) {
  const std::size_t n = values.size();
  if (n < kSmall) {
    std::sort(values.begin(), values.end());
    return;
  }
  std::vector<std::uint64_t> keys(n);
  std::vector<std::uint64_t> buffer(n);
  std::vector<std::array<std::size_t, kMask + 1>> counts(kPasses);  // zeroed
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = Key(values[i]);
    keys[i] = k;
    for (int p = 0; p < kPasses; ++p) ++counts[p][(k >> (p * kBits)) & kMask];
  }
  for (int p = 0; p < kPasses; ++p) {
    auto& count = counts[p];
    const std::uint64_t first_digit = (keys[0] >> (p * kBits)) & kMask;
    if (count[first_digit] == n) continue;  // every key has this digit: nothing to move
    std::size_t offset = 0;
    for (auto& c : count) {
      const std::size_t here = c;
      c = offset;
      offset += here;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = keys[i];
      buffer[count[(k >> (p * kBits)) & kMask]++] = k;
    }
    keys.swap(buffer);
  }
  for (std::size_t i = 0; i < n; ++i) values[i] = Value(keys[i]);
}

}  // namespace ferry::verify::internal
