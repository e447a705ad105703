// What Ferry records about the Lambda functions it deploys, in the store's domain-neutral
// columns: the contents of a deployment record (store::DeploymentRecord's snapshot_json,
// aliases_json and details_json) and the known state of a function (store::KnownStateStore):
// what Ferry last left it as. One codec each (record_codec.cc). Environment values are never
// recorded (redacted: keys kept, values "").
//
// Pure; thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lambda/drift.h"
#include "lambda/function_state.h"
#include "lambda/target.h"

namespace ferry::lambda {

// aliases_json: the deployment's aliases after it, {"dev": {"version": "7", "weights": {}}}.
std::string EncodeRecordedAliases(const std::vector<AliasState>& aliases);
Result<std::vector<AliasState>> DecodeRecordedAliases(std::string_view json);

// snapshot_json: the function before the deployment (its rollback target).
std::string EncodeRecordedSnapshot(const ObservedFunction& snapshot);
Result<ObservedFunction> DecodeRecordedSnapshot(std::string_view json);

// details_json: what the deployment declared and managed.
struct DeploymentDetails {
  // Tag and environment keys Ferry manages on the function after this deployment: the next
  // deployment removes those it no longer declares (DesiredFunction::previously_managed_*).
  std::set<std::string> managed_tags;
  std::set<std::string> managed_environment;
  std::set<std::string> deployed_aliases;
  bool changed = false;  // the deployment made at least one change (a mutating call succeeded)
};
std::string EncodeDeploymentDetails(const DeploymentDetails& details);
Result<DeploymentDetails> DecodeDeploymentDetails(std::string_view json);

// The key of a function's known state: its name where the target deploys (region, endpoint,
// connection). Two connections to one account keep two entries; each is only ever used behind
// RevisionId guards, so a stale one costs reads, never correctness.
std::string KnownStateKey(const LambdaTarget& target, const std::string& function_name);

// A function's known state: $LATEST's identity (ARN, CodeSha256, RevisionId), configuration
// (environment values redacted) and tags, its numbered versions (number and CodeSha256; no
// configuration) and its aliases with their RevisionIds.
std::string EncodeKnownFunction(const ObservedFunction& function);
Result<ObservedFunction> DecodeKnownFunction(std::string_view json);
// The same, saying whether the configuration and tags were recorded (drift.h).
Result<RecordedFunction> DecodeRecordedFunction(std::string_view json);

}  // namespace ferry::lambda
