# DeployService over a real SQLite store, a real engine and an embedded delegate against a fake
# Lambda API (no processes: a unit suite, also run under the sanitizers).
ferry_test(deploy_service_test
  SOURCES
    deploy_service_test.cc
  DEPS ferry_api_deploy ferry_config ferry_delegate_lambda ferry_engine ferry_store)
