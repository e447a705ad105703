# End-to-end tests of `ferry server`, `ferry up` and deployments through the REST API against a
# real `ferry sandbox` (all child processes): label integration. The process harness they use is
# tests/support/ (tested there).
# Deployments through the REST API of `ferry server` against `ferry sandbox` (both children).
ferry_test(ferry_e2e_deploy_test
  SOURCES e2e_deploy_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_deploy_test ferry)

# `ferry up` (the README's run command) and the commands it prints.
ferry_test(ferry_up_test
  SOURCES up_test.cc
  DEPS ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_up_test ferry)

# Progressive delivery (canary, linear, custom; abort; a server killed during a bake) through the
# REST API against `ferry sandbox`.
ferry_test(ferry_e2e_traffic_test
  SOURCES e2e_traffic_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_traffic_test ferry)

# Invoke tests and pre-/post-traffic hooks through the REST API against `ferry sandbox`, whose
# handlers really run.
ferry_test(ferry_e2e_invoke_test
  SOURCES e2e_invoke_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_invoke_test ferry)

# `ferry server --store postgres://…` against a real PostgreSQL 15 the binary starts itself, and
# two servers (replicas) on one database.
ferry_test(ferry_e2e_postgres_test
  SOURCES e2e_postgres_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_postgres_test ferry)
# Remote delegates: `ferry server --no-embedded-delegate` with `ferry delegate` processes against
# `ferry sandbox` (selectors, a delegate SIGKILLed mid-task, a server restart, `ferry delegates`).
ferry_test(ferry_e2e_delegate_test
  SOURCES e2e_delegate_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_delegate_test ferry)
# Users and RBAC: `ferry users create`, `ferry rbac bind`, `ferry login` and `ferry deploy` with a
# user's token, allowed and refused by the binding's scope (real server, sandbox and CLI).
ferry_test(ferry_e2e_users_test
  SOURCES e2e_users_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_users_test ferry)

# The verify step under `ferry up`: canaries with a higher error rate or doubled latency fail
# verification and roll back, an identical one passes (the sandbox's traffic generators, fault
# knobs and clock).
# Each test starts `ferry up`, deploys twice and runs 15 s of traffic: about 60 s on the shared
# 2-core machine, so the binary's three tests get their own bound.
ferry_test(ferry_e2e_verify_test
  SOURCES e2e_verify_test.cc
  DEPS ferry_common PkgConfig::HTTPLIB
  LABELS integration
  TIMEOUT 600)
add_dependencies(ferry_e2e_verify_test ferry)

# Pipelines and approvals: dev → approval → prod through `ferry server` (SIGKILLed while the
# approval waits) and `ferry sandbox`, approved and rejected with the real CLI; a failed stage
# rerun.
ferry_test(ferry_e2e_pipeline_test
  SOURCES e2e_pipeline_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_pipeline_test ferry)
# Triggers end to end: new-artifact polling of the sandbox's S3 (AWS CLI uploads), webhooks, a
# freeze window refusing a triggered run, `ferry triggers` (real `ferry server` + `ferry sandbox`).
ferry_test(ferry_e2e_triggers_test
  SOURCES e2e_triggers_test.cc
  DEPS ferry_aws ferry_common PkgConfig::HTTPLIB
  LABELS integration)
add_dependencies(ferry_e2e_triggers_test ferry)
# The verify step's fixed-baseline mode under `ferry up`: a stored one-minute window of build
# one's traffic is the baseline; an identical build two passes, one failing 30% fails and rolls
# back. About 75 s a test on the shared 2-core machine.
ferry_test(ferry_e2e_fixed_baseline_test
  SOURCES e2e_fixed_baseline_test.cc
  DEPS ferry_common PkgConfig::HTTPLIB
  LABELS integration
  TIMEOUT 600)
add_dependencies(ferry_e2e_fixed_baseline_test ferry)

# Service Guard and periodic drift under `ferry up`: a function that starts failing opens exactly
# one incident, updated while it fails and closed when it recovers; an alias moved by hand with
# the AWS CLI opens a drift incident, closed after the next deploy. Each test starts `ferry up`
# and runs 10 s of traffic a minute of the sandbox clock, four times: about 90 s.
ferry_test(ferry_e2e_guard_test
  SOURCES e2e_guard_test.cc
  DEPS ferry_common PkgConfig::HTTPLIB
  LABELS integration
  TIMEOUT 600)
add_dependencies(ferry_e2e_guard_test ferry)
