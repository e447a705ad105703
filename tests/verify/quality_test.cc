// The judge's measured quality (README.md, "Measured quality"): false fails on identical
// distributions over 10,000 trials and detection of known regressions, on seeded synthetic data
// at medium sensitivity. Prints the table the README shows and asserts the goals:
//   false-fail rate <= 1 % (normal, log-normal latencies, Poisson errors, a whole verdict);
//   0.1 % → 1.5 % errors at 1,000 canary invocations detected >= 95 %;
//   +20 % median latency detected >= 95 %.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "verify/judge.h"
#include "verify/synthetic.h"

namespace ferry::verify {
namespace {

using testing::Errors;
using testing::LogNormal;
using testing::Normal;

struct Rates {
  double fail = 0;
  double marginal = 0;
};

// Runs `trials` verdicts, each on fresh data from `make` (seeded per scenario).
Rates RunTrials(int trials, std::uint64_t seed, Sensitivity sensitivity,
                const std::function<Outcome(std::mt19937_64&, Sensitivity)>& judge_one) {
  std::mt19937_64 rng(seed);
  int fails = 0;
  int marginals = 0;
  for (int t = 0; t < trials; ++t) {
    const Outcome o = judge_one(rng, sensitivity);
    fails += o == Outcome::kFail ? 1 : 0;
    marginals += o == Outcome::kMarginal ? 1 : 0;
  }
  return {static_cast<double>(fails) / trials, static_cast<double>(marginals) / trials};
}

Outcome JudgeOrDie(const std::vector<MetricInput>& metrics, Sensitivity s) {
  auto v = Judge(metrics, JudgeOptions{s});
  if (!v.ok()) {
    ADD_FAILURE() << v.error().message;
    return Outcome::kNoData;
  }
  return v->outcome;
}

// Duration as per-minute datapoints over an hour: 60 a side, normal.
Outcome NormalPeriods(std::mt19937_64& rng, Sensitivity s, double canary_mean) {
  const auto c = Normal(rng, 60, canary_mean, 10);
  const auto b = Normal(rng, 60, 100, 10);
  return JudgeOrDie({{{.name = "Duration"}, ContinuousSamples{c, b}}}, s);
}

// Raw durations of a 10 % canary: log-normal, median 100 ms (sigma 0.5).
Outcome RawLatencies(std::mt19937_64& rng, Sensitivity s, std::size_t canary_n,
                     double canary_median, double canary_sigma) {
  const auto c = LogNormal(rng, canary_n, canary_median, canary_sigma);
  const auto b = LogNormal(rng, 9 * canary_n, 100, 0.5);
  return JudgeOrDie({{{.name = "Duration"}, ContinuousSamples{c, b}}}, s);
}

// Errors of a canary with `canary_invocations` against a baseline with `baseline_invocations`
// at 0.1 %, in 10 windows each.
Outcome ErrorRates(std::mt19937_64& rng, Sensitivity s, double canary_invocations,
                   double canary_rate, double baseline_invocations) {
  const auto c = Errors(rng, canary_invocations, canary_rate);
  const auto b = Errors(rng, baseline_invocations, 0.001);
  return JudgeOrDie({{{.name = "Errors"}, CountSamples{c, b}}}, s);
}

// A whole verdict of four metrics, nothing changed.
Outcome WholeVerdict(std::mt19937_64& rng, Sensitivity s) {
  const auto dc = LogNormal(rng, 200, 100, 0.5);
  const auto db = LogNormal(rng, 1800, 100, 0.5);
  const auto lc = Normal(rng, 60, 100, 10);
  const auto lb = Normal(rng, 60, 100, 10);
  const auto ec = Errors(rng, 1000, 0.001);
  const auto eb = Errors(rng, 9000, 0.001);
  const auto tc = Errors(rng, 1000, 0.01);
  const auto tb = Errors(rng, 9000, 0.01);
  return JudgeOrDie({{{.name = "Duration", .critical = true}, ContinuousSamples{dc, db}},
                     {{.name = "Latency"}, ContinuousSamples{lc, lb}},
                     {{.name = "Errors", .critical = true}, CountSamples{ec, eb}},
                     {{.name = "Throttles"}, CountSamples{tc, tb}}},
                    s);
}

struct Row {
  std::string scenario;
  int trials;
  Rates rates;
  std::string goal;
  bool detection;
};

std::string Percent(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f %%", 100 * x);
  return b;
}

TEST(QualityTest, FalseFailsAndDetectionOnSyntheticData) {
  const Sensitivity medium = Sensitivity::kMedium;
  const int kNull = 10000;
  const int kDetect = 1000;
  std::vector<Row> rows;
  using R = std::mt19937_64;
  using S = Sensitivity;
  rows.push_back({"identical: normal, 60 vs 60 per-minute datapoints", kNull,
                  RunTrials(kNull, 1, medium, [](R& r, S s) { return NormalPeriods(r, s, 100); }),
                  "fail ≤ 1 %", false});
  rows.push_back(
      {"identical: log-normal latencies, 200 vs 1,800 raw durations", kNull,
       RunTrials(kNull, 2, medium, [](R& r, S s) { return RawLatencies(r, s, 200, 100, 0.5); }),
       "fail ≤ 1 %", false});
  rows.push_back(
      {"identical: Poisson errors 0.1 %, 1,000 vs 9,000 invocations", kNull,
       RunTrials(kNull, 3, medium, [](R& r, S s) { return ErrorRates(r, s, 1000, 0.001, 9000); }),
       "fail ≤ 1 %", false});
  rows.push_back({"identical: whole verdict (Duration, Latency, Errors, Throttles)", kNull,
                  RunTrials(kNull, 4, medium, WholeVerdict), "fail ≤ 1 %", false});
  rows.push_back({"identical: whole verdict, high sensitivity", kNull,
                  RunTrials(kNull, 5, Sensitivity::kHigh, WholeVerdict), "fail ≤ 1 %", false});
  rows.push_back(
      {"errors 0.1 % → 1.5 %, 1,000 vs 9,000 invocations", kDetect,
       RunTrials(kDetect, 6, medium, [](R& r, S s) { return ErrorRates(r, s, 1000, 0.015, 9000); }),
       "fail ≥ 95 %", true});
  rows.push_back(
      {"median latency +20 %, 200 vs 1,800 raw durations", kDetect,
       RunTrials(kDetect, 7, medium, [](R& r, S s) { return RawLatencies(r, s, 200, 120, 0.5); }),
       "fail ≥ 95 %", true});
  // Reported, not goals of the issue.
  rows.push_back(
      {"errors 0.1 % → 1.5 %, 1,000 vs 1,000 invocations", kDetect,
       RunTrials(kDetect, 8, medium, [](R& r, S s) { return ErrorRates(r, s, 1000, 0.015, 1000); }),
       "", true});
  rows.push_back(
      {"median latency +20 %, 60 vs 540 raw durations", kDetect,
       RunTrials(kDetect, 9, medium, [](R& r, S s) { return RawLatencies(r, s, 60, 120, 0.5); }),
       "", true});
  rows.push_back(
      {"mean +20 %, 60 vs 60 per-minute datapoints (normal, sd 10 %)", kDetect,
       RunTrials(kDetect, 10, medium, [](R& r, S s) { return NormalPeriods(r, s, 120); }), "",
       true});
  rows.push_back(
      {"same median, spread ×1.6 (sigma 0.5 → 0.8), 1,000 vs 9,000", kDetect,
       RunTrials(kDetect, 11, medium, [](R& r, S s) { return RawLatencies(r, s, 1000, 100, 0.8); }),
       "", true});
  rows.push_back(
      {"median latency +5 % (within the 10 % tolerance), 1,000 vs 9,000", kDetect,
       RunTrials(kDetect, 12, medium, [](R& r, S s) { return RawLatencies(r, s, 1000, 105, 0.5); }),
       "", false});

  std::printf(
      "\n| scenario (medium sensitivity unless said) | trials | fail | marginal | goal |\n"
      "|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::printf("| %s | %d | %s | %s | %s |\n", row.scenario.c_str(), row.trials,
                Percent(row.rates.fail).c_str(), Percent(row.rates.marginal).c_str(),
                row.goal.empty() ? "(reported)" : row.goal.c_str());
  }
  std::printf("\n");
  for (const Row& row : rows) {
    if (row.goal.empty()) continue;
    if (row.detection) {
      EXPECT_GE(row.rates.fail, 0.95) << row.scenario;
    } else {
      EXPECT_LE(row.rates.fail, 0.01) << row.scenario;
    }
  }
}

}  // namespace
}  // namespace ferry::verify
