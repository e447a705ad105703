// The canary judge's speed (src/verify, issue 14: 2 × 10,000 samples judged in under 1 ms).
// Google Benchmark; run by bench/judge.py, which writes results/judge.json for RESULTS.md.
//
// Each iteration is one Judge() call on fixed, seeded samples (the inputs are built once, outside
// the timing): the copy, NaN removal and sort of both samples, Mann–Whitney U, the
// Hodges–Lehmann shift, the p90/p99 tail tests, the verdict and its sentences.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "verify/judge.h"

namespace {

using ferry::verify::ContinuousSamples;
using ferry::verify::CountSamples;
using ferry::verify::CountWindow;
using ferry::verify::Judge;
using ferry::verify::JudgeOptions;
using ferry::verify::MetricInput;

std::vector<double> LogNormal(std::mt19937_64& rng, std::size_t n, double median) {
  std::lognormal_distribution<double> d(std::log(median), 0.5);
  std::vector<double> v(n);
  for (double& x : v) x = d(rng);
  return v;
}

// One continuous metric, n canary and n baseline values (log-normal latencies, canary +5 %).
void BM_JudgeDuration(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(42);
  const auto canary = LogNormal(rng, n, 105);
  const auto baseline = LogNormal(rng, n, 100);
  const std::vector<MetricInput> metrics{
      {{.name = "Duration", .unit = "ms"}, ContinuousSamples{canary, baseline}}};
  for (auto _ : state) {
    auto verdict = Judge(metrics, JudgeOptions{});
    benchmark::DoNotOptimize(verdict);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2 * n));
}
BENCHMARK(BM_JudgeDuration)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// A canary's usual verdict: Duration (2 × 10,000 values), Errors and Throttles (10 windows a
// side).
void BM_JudgeVerdict(benchmark::State& state) {
  std::mt19937_64 rng(43);
  const auto canary = LogNormal(rng, 10000, 100);
  const auto baseline = LogNormal(rng, 10000, 100);
  const std::vector<CountWindow> errors_c(10, CountWindow{2, 1000});
  const std::vector<CountWindow> errors_b(10, CountWindow{15, 9000});
  const std::vector<CountWindow> throttles_c(10, CountWindow{0, 1000});
  const std::vector<CountWindow> throttles_b(10, CountWindow{1, 9000});
  const std::vector<MetricInput> metrics{
      {{.name = "Duration", .unit = "ms", .critical = true}, ContinuousSamples{canary, baseline}},
      {{.name = "Errors", .critical = true}, CountSamples{errors_c, errors_b}},
      {{.name = "Throttles"}, CountSamples{throttles_c, throttles_b}}};
  for (auto _ : state) {
    auto verdict = Judge(metrics, JudgeOptions{});
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_JudgeVerdict)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
