# The CLI (deploy, executions, logs, abort, rollback, token) run as the real `ferry` binary
# against a real `ferry server` / `ferry up` child process: label integration.
ferry_test(ferry_cli_e2e_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cli_e2e_test.cc
  DEPS ferry_common
  LABELS integration)
add_dependencies(ferry_cli_e2e_test ferry)
