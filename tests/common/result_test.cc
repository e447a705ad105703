#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ferry {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  FERRY_ASSIGN_OR_RETURN(int half, Half(x));
  FERRY_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int x) {
  FERRY_RETURN_IF_ERROR(Half(x));
  return Ok();
}

TEST(ResultTest, ValueAndError) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(ResultTest, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).error().message, "odd");
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_FALSE(CheckEven(1).ok());
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, ConvertingConstruction) {
  Result<std::string> r = "text";
  EXPECT_EQ(*r, "text");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = InvalidArgument("x");
  EXPECT_DEATH((void)bad.value(), "value\\(\\) of an error Result");
}

TEST(ErrorTest, CodesMapToHttpAndNames) {
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kFailedPrecondition), "failed_precondition");
  EXPECT_EQ(ErrorCodeFromName("unavailable"), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromName("bogus"), ErrorCode::kInternal);
  EXPECT_EQ(NotFound("fn").WithContext("deploy").ToString(), "not_found: deploy: fn");
}

}  // namespace
}  // namespace ferry
