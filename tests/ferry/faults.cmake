# The fault suite (issue 5, "Bad input and faults"): real `ferry sandbox` children with quotas and
# injected faults, the engine + embedded delegate as `ferry server` runs them, and worker
# processes SIGKILLed mid-deploy. Spawns processes: integration, not under the sanitizers.
add_library(ferry_fault_harness STATIC ${CMAKE_CURRENT_SOURCE_DIR}/fault_harness.cc)
target_include_directories(ferry_fault_harness PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(ferry_fault_harness PUBLIC ferry_engine ferry_delegate ferry_store PkgConfig::HTTPLIB)
ferry_warnings(ferry_fault_harness)

foreach(suite inputs active storm abort crash)
  ferry_test(fault_${suite}_test
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fault_${suite}_test.cc
    DEPS ferry_fault_harness
    LABELS integration)
endforeach()
