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
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
    -Wno-error=restrict)
endfunction()

# ferry_test(NAME SOURCES... DEPS ... [LABELS ...]): a GoogleTest binary registered with ctest,
# linked with the test support library (tests/support/). Label "unit" marks suites that also run
# under ASan+UBSan.
function(ferry_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} ferry_test_support ferry_test_main)
  ferry_warnings(${name})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
