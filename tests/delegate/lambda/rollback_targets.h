// Test support: the rollback targets of deployments, as the engine's lambda.deploy step builds
// them (engine/steps/lambda_deploy.cc, Undo).
#pragma once

#include <vector>

#include "lambda/deployment.h"
#include "lambda/tasks.h"

namespace ferry::delegate::fakes {

// The rollback targets of deployments, as the engine's deploy step builds them (every started
// deployment; the aliases it manages, or only those it moved when its snapshot is unconfirmed).
inline std::vector<lambda::RollbackTarget> Targets(
    const std::vector<lambda::FunctionDeployment>& deployments) {
  std::vector<lambda::RollbackTarget> out;
  for (const auto& d : deployments) {
    if (!d.started || !d.snapshot_taken) continue;
    lambda::RollbackTarget t{d.snapshot, d.deployed_aliases, false};
    if (!d.snapshot_confirmed && d.snapshot.exists) t.aliases = d.moved_aliases;
    if (t.snapshot.function_name.empty()) t.snapshot.function_name = d.function_name;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace ferry::delegate::fakes
