# ferry_api_deploy: DeployService — configuration entities → engine executions (deploy,
# rollback). Included by src/api/CMakeLists.txt.
ferry_module(api_deploy
  SOURCES
    deploy_config.cc
    deploy_freeze.cc
    secret_box.cc
    deploy_service.cc
  DEPS ferry_api_input ferry_engine ferry_notify ferry_config ferry_store ferry_lambda ferry_model ferry_common)
