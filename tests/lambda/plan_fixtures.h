// Builders shared by the planning tests: a desired function and the function AWS would hold once
// that desire is deployed.
#pragma once

#include "lambda/function_state.h"

namespace ferry::lambda::fixtures {

inline DesiredFunction Desired() {
  DesiredFunction d;
  d.function_name = "orders-api-dev";
  d.config.runtime = "python3.12";
  d.config.handler = "app.handler";
  d.config.role = "arn:aws:iam::000000000000:role/orders";
  d.config.memory_mb = 256;
  d.config.timeout_seconds = 10;
  d.config.environment = {{"STAGE", "dev"}, {"DB_PASSWORD", "s3cr3t-value"}};
  d.code.s3_bucket = "artifacts";
  d.code.s3_key = "orders/1.2.0.zip";
  d.code.code_sha256 = "SHA-B";
  d.tags = {{"team", "orders"}};
  d.aliases = {"dev"};
  return d;
}

// The function exactly as a completed deployment of d leaves it, at version `version`.
inline ObservedFunction Deployed(const DesiredFunction& d, const std::string& version = "3") {
  ObservedFunction f;
  f.exists = true;
  f.function_name = d.function_name;
  f.arn = "arn:aws:lambda:us-east-1:000000000000:function:" + d.function_name;
  f.config = d.config;
  f.config.architectures = {"x86_64"};
  f.config.tracing_mode = "PassThrough";
  f.code_sha256 = d.code.code_sha256;
  f.revision_id = "rev-latest";
  f.state = "Active";
  f.last_update_status = "Successful";
  f.tags = d.tags;
  f.versions.push_back(VersionInfo{"1", "SHA-OLD", d.config});
  f.versions.push_back(VersionInfo{version, d.code.code_sha256, f.config});
  for (const auto& alias : d.aliases) {
    f.aliases.push_back(AliasState{alias, version, {}, "rev-alias-" + alias, ""});
  }
  return f;
}

}  // namespace ferry::lambda::fixtures
