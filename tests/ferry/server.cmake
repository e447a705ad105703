# `ferry server` as one process per data directory: the data directory lock, crash takeover of
# abandoned leases, and the --lease/--heartbeat flags (real `ferry server` and `ferry sandbox`
# children): label integration.
ferry_test(ferry_server_runtime_test
  SOURCES server_runtime_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_server_runtime_test ferry)
