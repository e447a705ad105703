# The fault suite (issue 5, "Bad input and faults"): real `ferry sandbox` children with quotas and
# injected faults, and the engine + embedded delegate as `ferry server` runs them in-process.
# Spawns processes: integration, not under the sanitizers.
add_library(ferry_fault_harness STATIC ${CMAKE_CURRENT_SOURCE_DIR}/fault_harness.cc)
target_include_directories(ferry_fault_harness PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(ferry_fault_harness PUBLIC ferry_engine ferry_delegate ferry_store ferry_test_support
  PkgConfig::HTTPLIB)
ferry_warnings(ferry_fault_harness)

foreach(suite inputs storm)
  ferry_test(fault_${suite}_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fault_${suite}_test.cc
    DEPS ferry_fault_harness
    LABELS integration)
endforeach()

# The same scenarios end to end: the real `ferry server` binary driven through its REST API, a
# real `ferry sandbox` over HTTP (tests/ferry/e2e_fixture.h).
foreach(suite api_fault api_fault_storm server_crash)
  ferry_test(${suite}_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${suite}_test.cc
    DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
    LABELS integration)
  add_dependencies(${suite}_test ferry)
endforeach()
