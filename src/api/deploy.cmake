# ferry_api_deploy: DeployService — configuration entities → engine executions (deploy,
# rollback) — and ServiceGuard (periodic Service Guard and drift checks). Included by
# src/api/CMakeLists.txt.
ferry_module(api_deploy
  SOURCES
    deploy_config.cc
    deploy_freeze.cc
    secret_box.cc
    deploy_service.cc
    pipeline_service.cc
    trigger_target.cc
    service_guard.cc
  DEPS ferry_api_input ferry_triggers ferry_engine ferry_notify ferry_config ferry_store ferry_lambda ferry_model ferry_common)
