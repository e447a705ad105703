# Per-connection credentials end to end: a keys-mode (and assumeRole) CloudProvider through the
# REST API of the real `ferry server`, deploying to a real `ferry sandbox` with a second account
# (both child processes): label integration.
ferry_test(ferry_e2e_connection_test
  SOURCES e2e_connection_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_connection_test ferry)
