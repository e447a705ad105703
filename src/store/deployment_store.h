// DeploymentStore: what each execution did to each Lambda function, per (application, service,
// environment, function): the version it published and the alias snapshot taken before
// touching anything. Rollback to an execution restores the aliases it recorded; pruning keeps
// the versions recent deployments reference. Recording is idempotent per (execution, function)
// and audited. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/actor.h"

namespace ferry::store {

enum class DeploymentState { kSucceeded, kFailed, kRolledBack };
std::string_view DeploymentStateName(
    DeploymentState state);  // "succeeded", "failed", "rolled_back"
std::optional<DeploymentState> ParseDeploymentState(std::string_view name);

struct NewDeployment {
  std::string execution_id;
  std::string application;
  std::string service;
  std::string environment;
  std::string function;      // the Lambda function's name as deployed ("shop-orders-dev")
  std::string function_arn;  // unqualified ARN
  std::string version;       // the version the aliases point at after the deploy
  std::string code_sha256;
  bool created_function = false;     // this deployment created the function
  std::string snapshot_json = "{}";  // before: configuration, CodeSha256, RevisionId, aliases
  std::string aliases_json = "{}";   // after: {"prod": {"version": "7", "weights": {}}}
  std::string details_json = "{}";   // what the deployment managed (the domain's own record)
  DeploymentState state = DeploymentState::kSucceeded;
};

struct DeploymentRecord {
  std::string id;
  std::string execution_id;
  std::string application;
  std::string service;
  std::string environment;
  std::string function;
  std::string function_arn;
  std::string version;
  std::string code_sha256;
  bool created_function = false;
  std::string snapshot_json;
  std::string aliases_json;
  std::string details_json;
  DeploymentState state = DeploymentState::kSucceeded;
  TimePoint created_at;
  TimePoint updated_at;
};

struct DeploymentFilter {
  std::optional<std::string> application;
  std::optional<std::string> service;
  std::optional<std::string> environment;
  std::optional<std::string> function;
  std::optional<std::string> execution_id;
  std::optional<DeploymentState> state;
  // Paging: only records older (in List's order) than this one. The record itself may fall
  // outside the other filters; an id that names no record is kNotFound.
  std::optional<std::string> before_id;
  int limit = 50;  // 1..kMaxPageSize
};

class DeploymentStore {
 public:
  virtual ~DeploymentStore() = default;
  // kNotFound when the execution does not exist. Recording the same (execution, function) again
  // replaces the version/aliases/state (a resumed step re-records) and keeps the id.
  virtual Result<DeploymentRecord> Record(const NewDeployment& deployment,
                                          const Actor& actor) = 0;
  // kNotFound when absent.
  virtual Result<DeploymentRecord> SetState(std::string_view id, DeploymentState state,
                                            const Actor& actor) = 0;
  // Newest first (creation time, then id; re-recording keeps a record's place). kNotFound when
  // filter.before_id names no deployment record, kInvalidArgument for a malformed filter.
  virtual Result<std::vector<DeploymentRecord>> List(const DeploymentFilter& filter) = 0;
};

}  // namespace ferry::store
