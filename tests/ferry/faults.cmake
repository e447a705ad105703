# The fault suite (issue 5, "Bad input and faults"): real `ferry sandbox` children with quotas and
# injected faults, and the engine + embedded delegate as `ferry server` runs them in-process.
# Spawns processes: integration, not under the sanitizers.
add_library(ferry_fault_harness STATIC ${CMAKE_CURRENT_SOURCE_DIR}/fault_harness.cc)
target_include_directories(ferry_fault_harness PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(ferry_fault_harness PUBLIC ferry_engine ferry_delegate ferry_store ferry_test_support
  PkgConfig::HTTPLIB)
ferry_warnings(ferry_fault_harness)

ferry_test(fault_inputs_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fault_inputs_test.cc
  DEPS ferry_fault_harness
  LABELS integration)
# FaultStormTest.ThrottlingStorm… ran 50 and 62 s (the sandbox's quotas pace every call): 180 s.
ferry_test(fault_storm_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fault_storm_test.cc
  DEPS ferry_fault_harness
  LABELS integration
  TIMEOUT 180)

# The same scenarios end to end: the real `ferry server` binary driven through its REST API, a
# real `ferry sandbox` over HTTP (tests/ferry/e2e_fixture.h).
foreach(suite api_fault api_fault_storm)
  ferry_test(${suite}_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${suite}_test.cc
    DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
    LABELS integration)
  add_dependencies(${suite}_test ferry)
endforeach()
# ServerCrashTest.FiftyDeployments… (fifty deployments, a server kill and restart in each) ran
# 75 and 76 s: 240 s.
ferry_test(server_crash_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/server_crash_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration
  TIMEOUT 240)
add_dependencies(server_crash_test ferry)
