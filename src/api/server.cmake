# ferry_api: the REST server of `ferry server` (docs/api.md) and the apply path shared with
# `ferry apply` (config_apply.h). cpp-httplib stays private to server.cc and bounded_http_server.{h,cc}.
ferry_module(api
  SOURCES
    access_check.cc
    access_routes.cc
    artifact_routes.cc
    permissions.cc
    audit_routes.cc
    secret_routes.cc
    session_routes.cc
    bounded_http_server.cc
    client_limits.cc
    config_apply.cc
    delegate_routes.cc
    delegate_sightings.cc
    deploy_routes.cc
    entity_routes.cc
    execution_routes.cc
    incident_routes.cc
    json_views.cc
    metrics.cc
    pipeline_routes.cc
    notification_routes.cc
    request_actor.cc
    router.cc
    scopes.cc
    server.cc
    trigger_routes.cc
  DEPS ferry_api_input ferry_api_deploy ferry_triggers ferry_config ferry_engine ferry_delegate_protocol ferry_store ferry_model ferry_common
    ferry_common_password
  PRIVATE_DEPS PkgConfig::HTTPLIB)
