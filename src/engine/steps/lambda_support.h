// What the Lambda step kinds share: Ferry's records of the functions it deployed — the known
// state of each function (what Ferry last left it as) and the deployment records — read and
// written through the lambda module's codecs. Internal to engine/steps/.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "lambda/deployment.h"
#include "lambda/function_state.h"
#include "lambda/target.h"
#include "store/store.h"

namespace ferry::engine::steps {

// A failed task's message for its step ("the task failed" when it gave none).
std::string TaskError(const store::TaskRecord& task);

// The known state of each of `names` that Ferry has, by function name.
Result<std::map<std::string, lambda::ObservedFunction>> LoadKnownFunctions(
    store::Store& store, const lambda::LambdaTarget& target, const std::vector<std::string>& names);

// Records what each deployment left (its `after`) as the function's known state, and forgets
// the known state of every other function of `names` (failed, drifted, result lost): the next
// deployment reads those.
Status SaveKnownFunctions(store::Store& store, const lambda::LambdaTarget& target,
                          const std::string& execution_id,
                          const std::vector<lambda::FunctionDeployment>& deployments,
                          const std::vector<std::string>& names);

// Forgets the known state of `names` (after a rollback or restore changed their aliases).
Status ForgetKnownFunctions(store::Store& store, const lambda::LambdaTarget& target,
                            const std::vector<std::string>& names);

// Replaces the named aliases in the functions' known states (after a traffic shift); functions
// without a known state are left without one.
Status UpdateKnownAliases(store::Store& store, const lambda::LambdaTarget& target,
                          const std::map<std::string, std::vector<lambda::AliasState>>& aliases);

// Replaces the named aliases in the deployment records of `execution_id` (after a promotion), so
// that a rollback to that execution restores what it finally left.
Status RecordAliases(store::Store& store, const std::string& execution_id,
                     const std::map<std::string, std::vector<lambda::AliasState>>& aliases);

// Removes deleted versions from the functions' known states (after pruning).
Status ForgetVersions(store::Store& store, const lambda::LambdaTarget& target,
                      const std::map<std::string, std::vector<std::string>>& deleted);

// The tag and environment keys Ferry manages on each function, from its latest deployment record
// of another execution than `execution_id` (F-DEPLOY 5): those the next deployment no longer
// declares are removed. Functions never deployed are absent.
struct ManagedKeys {
  std::set<std::string> tags;
  std::set<std::string> environment;
};
Result<std::map<std::string, ManagedKeys>> PreviouslyManaged(store::Store& store,
                                                             const std::vector<std::string>& names,
                                                             const std::string& execution_id);

// Sets every deployment record of `execution_id` to rolled_back (its changes were undone, and
// what it failed to change is as it was).
Status MarkRolledBack(store::Store& store, const std::string& execution_id);

// After a restore of application/service/environment succeeded: the succeeded deployment records
// newer than execution `since` (and its own when `inclusive`: an undo of it) become rolled_back,
// so that the deployment history says what the aliases serve and a further default rollback goes
// one change further back.
Status MarkRolledBackSince(store::Store& store, const store::ExecutionRecord& restore,
                           const std::string& since, bool inclusive);

}  // namespace ferry::engine::steps
