// main() for every Ferry gtest binary: points FERRY_SOURCE_DIR and FERRY_BINARY_DIR at this build
// (unless the environment already sets them), so tests find the repo's files and the built
// `ferry` binary whether they run under ctest or by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

int main(int argc, char** argv) {
  setenv("FERRY_SOURCE_DIR", FERRY_TEST_SOURCE_DIR, /*overwrite=*/0);
  setenv("FERRY_BINARY_DIR", FERRY_TEST_BINARY_DIR, /*overwrite=*/0);
  testing::InitGoogleMock(&argc, argv);
  return RUN_ALL_TESTS();
}
