# The REST server's suites: a real ApiServer on 127.0.0.1:0 over SQLite in a temp dir, a real
# engine and DeployService, talked to with a real HTTP client. No child processes, so they are
# unit suites (also run under ASan+UBSan).
ferry_test(api_server_tests
  SOURCES
    api_fixture.cc
    server_test.cc
    hardening_test.cc
    executions_test.cc
    incidents_test.cc
    config_routes_test.cc
    deploy_routes_test.cc
    scopes_test.cc
    audit_routes_test.cc
    freeze_test.cc
    secret_values_test.cc
    delegate_routes_test.cc
    remote_delegate_test.cc
    route_roles_test.cc
    scoped_reads_test.cc
    session_test.cc
    pipeline_routes_test.cc
    trigger_routes_test.cc
  DEPS ferry_api ferry_api_deploy ferry_triggers ferry_delegate_remote ferry_config ferry_store ferry_engine PkgConfig::HTTPLIB)
target_compile_definitions(api_server_tests PRIVATE FERRY_SOURCE_ROOT="${CMAKE_SOURCE_DIR}")
