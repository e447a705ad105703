# Notifications through the real binaries (server, sandbox, CLI) and a real HTTP receiver:
# label integration.
ferry_test(ferry_e2e_notify_test
  SOURCES e2e_notify_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_notify_test ferry)
