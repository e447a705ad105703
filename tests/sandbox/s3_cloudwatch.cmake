# Test suites of the sandbox's S3 and CloudWatch services (owned by their engineer), included
# from tests/sandbox/CMakeLists.txt.
ferry_test(sandbox_s3_tests
  SOURCES
    s3_chunked_test.cc
    s3_persistence_test.cc
    s3_service_test.cc
  DEPS ferry_sandbox)
ferry_test(sandbox_cloudwatch_tests
  SOURCES
    cloudwatch_alarm_test.cc
    cloudwatch_service_test.cc
  DEPS ferry_sandbox ferry_common_compression)

# Conformance: real clients (AWS CLI v2, AWS SDK for JavaScript v3) against `ferry sandbox`.
find_program(FERRY_NODE node)
if(FERRY_NODE)
  foreach(suite s3_sdk s3_cli cloudwatch_sdk cloudwatch_cli)
    add_test(NAME sandbox_conformance_${suite}
      COMMAND ${FERRY_NODE} --test ${CMAKE_CURRENT_SOURCE_DIR}/conformance/${suite}.test.mjs
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(sandbox_conformance_${suite} PROPERTIES
      LABELS conformance
      TIMEOUT ${FERRY_TEST_TIMEOUT_conformance}
      ENVIRONMENT "FERRY_BINARY=$<TARGET_FILE:ferry>;NODE_PATH=${CMAKE_SOURCE_DIR}/node_modules")
  endforeach()
else()
  foreach(suite s3_sdk s3_cli cloudwatch_sdk cloudwatch_cli)
    ferry_missing_prerequisite_test(sandbox_conformance_${suite} conformance
      "node is not installed: run scripts/install-deps, then configure again (cmake)")
  endforeach()
endif()
