# `ferry plan` end to end (the binary against `ferry server` and `ferry sandbox` children).
ferry_test(ferry_e2e_plan_test
  SOURCES e2e_plan_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_plan_test ferry)

# `ferry drift` end to end: changes made by hand with the AWS CLI, reported field by field.
ferry_test(ferry_e2e_drift_test
  SOURCES e2e_drift_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_drift_test ferry)
