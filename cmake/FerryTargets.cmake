# Helpers that give every Ferry target the same warnings and include layout.

# ferry_module(NAME SOURCES... DEPS ...): a static library ferry_<NAME> whose headers are
# included as "<NAME>/file.h" (the include root is src/).
function(ferry_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ferry_${name} STATIC ${ARG_SOURCES})
  target_include_directories(ferry_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(ferry_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  ferry_warnings(ferry_${name})
endfunction()

function(ferry_warnings target)
  # -Wno-error=restrict: g++ 12 reports false -Wrestrict positives in std::string at -O3 (GCC bug 105329).
  # Under clang (the fuzz build) the g++-only options of some files are unknown, not errors.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
    $<$<CXX_COMPILER_ID:GNU>:-Wno-error=restrict> $<$<CXX_COMPILER_ID:Clang>:-Wno-unknown-warning-option>)
endfunction()

# Every ctest entry has a TIMEOUT, so a hung test fails instead of hanging CI. The bound of a
# label is about 3x its slowest test in two runs of `ctest --test-dir build -j2` on a shared
# 2-core machine; suites that legitimately run longer name their own bound with
# ferry_test(... TIMEOUT seconds), each with its measurement (tests/aws/CMakeLists.txt,
# tests/ferry/faults.cmake).
#   unit         60 s  (slowest 1.4 s, ApiServerTest.ALongPoll…; ASan+UBSan is several times slower)
#   integration  90 s  (slowest without a bound of its own 25 s, DeployE2eTest.Pruning…)
#   conformance  90 s  (slowest 27 s, sandbox_conformance_s3_cli)
set(FERRY_TEST_TIMEOUT_unit 60)
set(FERRY_TEST_TIMEOUT_integration 90)
set(FERRY_TEST_TIMEOUT_conformance 90)

# The timeout of a test with `labels`: the largest of its labels' bounds.
function(ferry_test_timeout out labels)
  set(timeout 0)
  foreach(label IN LISTS labels)
    if(NOT DEFINED FERRY_TEST_TIMEOUT_${label})
      message(FATAL_ERROR "no FERRY_TEST_TIMEOUT_${label}: give label ${label} a bound")
    endif()
    if(FERRY_TEST_TIMEOUT_${label} GREATER timeout)
      set(timeout ${FERRY_TEST_TIMEOUT_${label}})
    endif()
  endforeach()
  set(${out} ${timeout} PARENT_SCOPE)
endfunction()

# ferry_test(NAME SOURCES... DEPS ... [LABELS ...] [TIMEOUT seconds]): a GoogleTest binary
# registered with ctest, one ctest entry per test, each with the label's timeout (or TIMEOUT),
# linked with the test support library (tests/support/). Label "unit" marks suites that also run
# under ASan+UBSan.
function(ferry_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} ferry_test_support ferry_test_main)
  ferry_warnings(${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    ferry_test_timeout(ARG_TIMEOUT "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                       DISCOVERY_TIMEOUT 60)
endfunction()

# ferry_missing_prerequisite_test(NAME LABELS MESSAGE): registers test NAME, whose prerequisite
# (e.g. node) configure did not find, as a test that fails printing MESSAGE (what is missing and
# how to get it) — or is skipped when the environment sets FERRY_TEST_ALLOW_SKIP=1, the one
# opt-out (tests/support/prerequisite.h). A test is never silently left out.
function(ferry_missing_prerequisite_test name labels message)
  add_test(NAME ${name}
    COMMAND /bin/sh -c
      "echo \"$1\"; if [ \"$FERRY_TEST_ALLOW_SKIP\" = 1 ]; then exit 77; fi; echo 'set FERRY_TEST_ALLOW_SKIP=1 to skip instead of failing'; exit 1"
      sh "${message}")
  ferry_test_timeout(timeout "${labels}")
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${timeout}
                       SKIP_RETURN_CODE 77)
endfunction()
