// The judge's radix sort (verify/sort_values.h) against std::sort.
#include "verify/sort_values.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace ferry::verify::internal {
namespace {

TEST(SortValuesTest, MatchesStdSort) {
  std::mt19937_64 rng(40);
  std::normal_distribution<double> normal(0, 1);
  std::lognormal_distribution<double> lognormal(4, 2);
  std::uniform_int_distribution<int> small(-3, 3);
  for (std::size_t n : {0u, 1u, 2u, 255u, 256u, 257u, 1000u, 65537u}) {
    for (int shape = 0; shape < 4; ++shape) {
      std::vector<double> v(n);
      for (double& x : v) {
        switch (shape) {
          case 0:
            x = normal(rng);
            break;
          case 1:
            x = lognormal(rng);
            break;
          case 2:
            x = small(rng);
            break;  // many ties, zeros and negatives
          default:
            x = normal(rng) * std::pow(10.0, small(rng) * 100);
            break;  // wide exponents
        }
      }
      if (n > 10) {
        v[0] = DBL_MAX;
        v[1] = -DBL_MAX;
        v[2] = std::numeric_limits<double>::denorm_min();
        v[3] = -std::numeric_limits<double>::denorm_min();
        v[4] = 0.0;
      }
      std::vector<double> expected = v;
      std::sort(expected.begin(), expected.end());
      SortValues(v);
      ASSERT_EQ(v, expected) << "n=" << n << " shape=" << shape;
    }
  }
}

TEST(SortValuesTest, NegativeZeroBeforePositiveZero) {
  std::vector<double> v(300, 1.0);
  v[7] = 0.0;
  v[9] = -0.0;
  SortValues(v);
  EXPECT_TRUE(std::signbit(v[0]));
  EXPECT_FALSE(std::signbit(v[1]));
  EXPECT_EQ(v[0], v[1]);
}

}  // namespace
}  // namespace ferry::verify::internal
