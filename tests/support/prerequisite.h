// What a test does when something it needs is missing: it FAILS, saying what is missing and how
// to get it, because a skipped test would hide that part of the suite did not run. The one
// opt-out is the environment variable FERRY_TEST_ALLOW_SKIP=1, for a person who knows this
// machine lacks something and accepts not testing it: then the test is skipped (ctest reports it
// as "Skipped", so it stays visible).
//
//   void SetUp() override { FERRY_TEST_REQUIRE(test::MissingFerryBinary()); ... }
//
// FERRY_TEST_REQUIRE returns from the function it is used in (like ASSERT_*): use it in a test
// body, SetUp or a void helper whose caller checks HasFatalFailure() || IsSkipped().
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace ferry::test {

inline constexpr char kAllowSkipVariable[] = "FERRY_TEST_ALLOW_SKIP";

// True when $FERRY_TEST_ALLOW_SKIP is "1".
bool SkipsAllowed();

// "" when `path` exists; else "<what> is missing (<path>); <how to get it>".
std::string MissingFile(const std::string& path, const std::string& what, const std::string& how);

// "" when `program` is on $PATH; else "<program> is not on PATH; <how to get it>".
std::string MissingProgram(const std::string& program, const std::string& how);

// "" when the ferry binary (FerryBinary()) exists; else what is missing and how to build it.
std::string MissingFerryBinary();

// "" when the npm packages of package-lock.json are installed (node_modules/<package> under
// $FERRY_SOURCE_DIR); else what is missing and how to install it.
std::string MissingNpmPackage(const std::string& package);

}  // namespace ferry::test

// Ends the current function when `missing` (a std::string) is not empty: a fatal failure, or a
// skip when SkipsAllowed().
#define FERRY_TEST_REQUIRE(missing)                                                               \
  do {                                                                                            \
    const std::string ferry_test_missing_ = (missing);                                            \
    if (!ferry_test_missing_.empty()) {                                                           \
      if (::ferry::test::SkipsAllowed()) {                                                        \
        GTEST_SKIP() << ferry_test_missing_ << " (skipped: " << ::ferry::test::kAllowSkipVariable \
                     << "=1)";                                                                    \
      }                                                                                           \
      GTEST_FAIL() << ferry_test_missing_ << " (set " << ::ferry::test::kAllowSkipVariable        \
                   << "=1 to skip instead of failing)";                                           \
    }                                                                                             \
  } while (false)
