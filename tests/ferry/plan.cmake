# `ferry plan` end to end (the binary against `ferry server` and `ferry sandbox` children).
ferry_test(ferry_e2e_plan_test
  SOURCES e2e_plan_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_plan_test ferry)
