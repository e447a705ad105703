# `ferry freezes` and freeze refusals through the real binaries (server, sandbox, CLI): label
# integration.
ferry_test(ferry_e2e_freeze_test
  SOURCES e2e_freeze_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_freeze_test ferry)
