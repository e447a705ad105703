// Seeded synthetic samples for the judge's tests: the same seed gives the same data.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "verify/judge.h"

namespace ferry::verify::testing {

inline std::vector<double> Normal(std::mt19937_64& rng, std::size_t n, double mean, double sd) {
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

// Latencies: log-normal with the given median and log-scale sigma.
inline std::vector<double> LogNormal(std::mt19937_64& rng, std::size_t n, double median,
                                     double sigma) {
  std::lognormal_distribution<double> d(std::log(median), sigma);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

// `windows` windows of invocations/windows invocations each, errors ~ Binomial at `rate`.
inline std::vector<CountWindow> Errors(std::mt19937_64& rng, double invocations, double rate,
                                       int windows = 10) {
  std::vector<CountWindow> v;
  const auto per = static_cast<long long>(invocations / windows);
  for (int i = 0; i < windows; ++i) {
    std::binomial_distribution<long long> d(per, rate);
    v.push_back({static_cast<double>(d(rng)), static_cast<double>(per)});
  }
  return v;
}

}  // namespace ferry::verify::testing
