# Issue 16's chaos test: three `ferry server` replicas on one real PostgreSQL, three `ferry
# delegate`s and a `ferry sandbox` (all child processes), 50 deployments while replicas and
# delegates are SIGKILLed and restarted at random (seeded): label integration, so scripts/test runs
# it.
ferry_test(ferry_e2e_scale_chaos_test
  SOURCES e2e_scale_chaos_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration
  TIMEOUT 900)
add_dependencies(ferry_e2e_scale_chaos_test ferry)
