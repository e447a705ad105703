// Hostile and degenerate input: clear errors or "no data", never a crash or a pass.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "verify/judge.h"
#include "verify/synthetic.h"

namespace ferry::verify {
namespace {

using ::testing::HasSubstr;

Result<Verdict> JudgeAll(const std::vector<MetricInput>& metrics) { return Judge(metrics, {}); }

TEST(HostileTest, NoMetricsIsAnError) {
  auto v = JudgeAll({});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(v.error().message, "no metrics to judge");
}

TEST(HostileTest, BadSpecsAreErrors) {
  const std::vector<double> x(20, 1.0);
  const ContinuousSamples s{x, x};
  for (const auto& [spec, message] : std::vector<std::pair<MetricSpec, std::string>>{
           {{.name = ""}, "a metric has no name"},
           {{.name = "d", .weight = -1}, "d: weight must be a finite number >= 0"},
           {{.name = "d", .weight = NAN}, "d: weight must be a finite number >= 0"},
           {{.name = "d", .weight = INFINITY}, "d: weight must be a finite number >= 0"},
           {{.name = "d", .relative_tolerance = -0.1}, "d: tolerance"},
           {{.name = "d", .min_absolute_effect = NAN}, "d: tolerance"},
           {{.name = "d", .outlier_fence_iqr = INFINITY}, "d: tolerance"},
           {{.name = "d", .weight = 0}, "every metric has weight 0"}}) {
    auto v = JudgeAll({{spec, s}});
    ASSERT_FALSE(v.ok()) << message;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(v.error().message, HasSubstr(message));
  }
  auto v = JudgeAll({{{.name = "d"}, s}, {{.name = "d"}, s}});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "metric d is named twice");
}

TEST(HostileTest, EmptyAndAllMissingSamplesHaveNoData) {
  const std::vector<double> empty;
  const std::vector<double> nan(1000, NAN);
  const std::vector<double> inf(1000, INFINITY);
  const std::vector<double> fine(1000, 5.0);
  for (const auto& [canary, baseline] :
       {std::pair{&empty, &fine}, std::pair{&fine, &empty}, std::pair{&empty, &empty},
        std::pair{&nan, &fine}, std::pair{&fine, &inf}, std::pair{&nan, &nan}}) {
    auto v = JudgeAll({{{.name = "Duration"}, ContinuousSamples{*canary, *baseline}}});
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->outcome, Outcome::kNoData) << v->metrics[0].explanation;
    EXPECT_THAT(v->metrics[0].explanation, HasSubstr("no data"));
  }
  const std::vector<CountWindow> none;
  auto v = JudgeAll({{{.name = "Errors"}, CountSamples{none, none}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kNoData);
  EXPECT_EQ(v->metrics[0].explanation, "Errors: no data — canary has no windows");
  const std::vector<CountWindow> zero{{0, 0}};
  v = JudgeAll({{{.name = "Errors"}, CountSamples{zero, zero}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kNoData);
}

TEST(HostileTest, ConstantSamplesPass) {
  const std::vector<double> same(500, 42.0);
  auto v = JudgeAll({{{.name = "Duration"}, ContinuousSamples{same, same}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kPass);
  EXPECT_DOUBLE_EQ(v->metrics[0].decision.p_value, 1);
  const std::vector<CountWindow> no_errors{{0, 1000}};
  v = JudgeAll({{{.name = "Errors"}, CountSamples{no_errors, no_errors}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kPass);
  EXPECT_EQ(v->metrics[0].explanation,
            "Errors: 0% of canary invocations vs 0% of baseline (0 of 1,000 vs 0 of 1,000), p=1 "
            "— pass");
}

TEST(HostileTest, HugeTinyAndZeroValues) {
  std::vector<double> huge_a(200);
  std::vector<double> huge_b(200);
  for (int i = 0; i < 200; ++i) {
    huge_a[i] = (i % 2 ? 1 : -1) * DBL_MAX * (1 - i * 1e-3);
    huge_b[i] = (i % 3 ? 1 : -1) * DBL_MAX * (1 - i * 2e-3);
  }
  auto v = JudgeAll({{{.name = "Huge"}, ContinuousSamples{huge_a, huge_b}}});
  ASSERT_TRUE(v.ok());
  EXPECT_NE(v->outcome, Outcome::kNoData);
  EXPECT_TRUE(std::isfinite(std::get<ContinuousSummary>(v->metrics[0].canary).mean));
  std::vector<double> tiny(100, std::numeric_limits<double>::denorm_min());
  std::vector<double> zeros(100, 0.0);
  tiny[0] = 0;
  v = JudgeAll({{{.name = "Tiny"}, ContinuousSamples{tiny, zeros}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kFail) << "any increase of a metric at 0 is beyond 10% of 0";
  v = JudgeAll({{{.name = "Tiny", .min_absolute_effect = 1e-300}, ContinuousSamples{tiny, zeros}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kPass) << "unless a minimum absolute effect says otherwise";
}

TEST(HostileTest, AMillionSamplesEachSide) {
  std::mt19937_64 rng(30);
  const auto a = testing::LogNormal(rng, 1000000, 100, 0.5);
  const auto b = testing::LogNormal(rng, 1000000, 100, 0.5);
  auto v = JudgeAll({{{.name = "Duration"}, ContinuousSamples{a, b}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kPass);
  EXPECT_EQ(std::get<ContinuousSummary>(v->metrics[0].canary).values, 1000000u);
  EXPECT_NEAR(v->metrics[0].checks[0].absolute_effect, 0, 0.5);
}

TEST(HostileTest, ImpossibleCountsAreErrors) {
  const std::vector<CountWindow> good{{1, 1000}};
  for (const auto& [windows, message] :
       std::vector<std::pair<std::vector<CountWindow>, std::string>>{
           {{{0, 100}, {-1, 100}}, "Errors: canary window 2 has a negative count"},
           {{{0, -100}}, "Errors: canary window 1 has a negative count"},
           {{{5, 2}},
            "Errors: canary window 1 has 5 events in 2 invocations (events cannot "
            "exceed invocations)"},
           {{{0.5, 100}},
            "Errors: canary window 1 has a count that is not a whole number up to "
            "2^53"},
           {{{0, 1e300}},
            "Errors: canary window 1 has a count that is not a whole number up to "
            "2^53"},
           {{{0, 9e15}, {0, 9e15}}, "Errors: canary totals more than 2^53 invocations"}}) {
    auto v = JudgeAll({{{.name = "Errors"}, CountSamples{windows, good}}});
    ASSERT_FALSE(v.ok()) << message;
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(v.error().message, message);
  }
  const std::vector<CountWindow> bad_baseline{{3, 1}};
  auto v =
      JudgeAll({{{.name = "Throttles", .exposure = "requests"}, CountSamples{good, bad_baseline}}});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message,
            "Throttles: baseline window 1 has 3 events in 1 requests (events cannot exceed "
            "requests)");
}

TEST(HostileTest, HugeCountsStayExact) {
  // 10^15 invocations and 10^9 errors a side: the exact test still answers, summing the
  // terms within a few standard deviations (22,000 events) of the mode.
  const std::vector<CountWindow> canary{{1e9, 1e15}};
  const std::vector<CountWindow> baseline{{1e9, 1e15}};
  auto v = JudgeAll({{{.name = "Errors"}, CountSamples{canary, baseline}}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->outcome, Outcome::kPass);
  EXPECT_GT(v->metrics[0].decision.p_value, 0.4);
}

}  // namespace
}  // namespace ferry::verify
