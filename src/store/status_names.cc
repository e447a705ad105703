// The stable names of the store's enums: they are stored in the database and shown in the API,
// so a name never changes once released.
#include <array>
#include <utility>

#include "store/deployment_store.h"
#include "store/execution_store.h"
#include "store/log_store.h"
#include "store/notification_outbox.h"
#include "store/task_store.h"

namespace ferry::store {
namespace {

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, std::string_view>, N>& table,
                       std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<ExecutionStatus, std::string_view>, 10> kExecutionStatuses = {{
    {ExecutionStatus::kQueued, "queued"},
    {ExecutionStatus::kRunning, "running"},
    {ExecutionStatus::kWaiting, "waiting"},
    {ExecutionStatus::kAborting, "aborting"},
    {ExecutionStatus::kRollingBack, "rolling_back"},
    {ExecutionStatus::kSucceeded, "succeeded"},
    {ExecutionStatus::kFailed, "failed"},
    {ExecutionStatus::kAborted, "aborted"},
    {ExecutionStatus::kRolledBack, "rolled_back"},
    {ExecutionStatus::kRollbackFailed, "rollback_failed"},
}};

constexpr std::array<std::pair<DeliveryStatus, std::string_view>, 3> kDeliveryStatuses = {{
    {DeliveryStatus::kPending, "pending"},
    {DeliveryStatus::kDelivered, "delivered"},
    {DeliveryStatus::kFailed, "failed"},
}};

constexpr std::array<std::pair<StepStatus, std::string_view>, 7> kStepStatuses = {{
    {StepStatus::kPending, "pending"},
    {StepStatus::kRunning, "running"},
    {StepStatus::kWaiting, "waiting"},
    {StepStatus::kSucceeded, "succeeded"},
    {StepStatus::kFailed, "failed"},
    {StepStatus::kSkipped, "skipped"},
    {StepStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<TaskStatus, std::string_view>, 5> kTaskStatuses = {{
    {TaskStatus::kQueued, "queued"},
    {TaskStatus::kLeased, "leased"},
    {TaskStatus::kSucceeded, "succeeded"},
    {TaskStatus::kFailed, "failed"},
    {TaskStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<LogLevel, std::string_view>, 4> kLogLevels = {{
    {LogLevel::kDebug, "debug"},
    {LogLevel::kInfo, "info"},
    {LogLevel::kWarn, "warn"},
    {LogLevel::kError, "error"},
}};

constexpr std::array<std::pair<DeploymentState, std::string_view>, 3> kDeploymentStates = {{
    {DeploymentState::kSucceeded, "succeeded"},
    {DeploymentState::kFailed, "failed"},
    {DeploymentState::kRolledBack, "rolled_back"},
}};

}  // namespace

std::string_view ExecutionStatusName(ExecutionStatus s) { return NameOf(kExecutionStatuses, s); }
std::optional<ExecutionStatus> ParseExecutionStatus(std::string_view name) {
  return Parse(kExecutionStatuses, name);
}
bool IsTerminal(ExecutionStatus s) {
  return s == ExecutionStatus::kSucceeded || s == ExecutionStatus::kFailed ||
         s == ExecutionStatus::kAborted || s == ExecutionStatus::kRolledBack ||
         s == ExecutionStatus::kRollbackFailed;
}

std::string_view StepStatusName(StepStatus s) { return NameOf(kStepStatuses, s); }
std::optional<StepStatus> ParseStepStatus(std::string_view name) {
  return Parse(kStepStatuses, name);
}
bool IsTerminal(StepStatus s) {
  return s == StepStatus::kSucceeded || s == StepStatus::kFailed || s == StepStatus::kSkipped ||
         s == StepStatus::kCancelled;
}

std::string_view TaskStatusName(TaskStatus s) { return NameOf(kTaskStatuses, s); }
std::optional<TaskStatus> ParseTaskStatus(std::string_view name) {
  return Parse(kTaskStatuses, name);
}
bool IsTerminal(TaskStatus s) {
  return s == TaskStatus::kSucceeded || s == TaskStatus::kFailed || s == TaskStatus::kCancelled;
}

bool HasStopped(const TaskRecord& task, TimePoint now) {
  if (!IsTerminal(task.status)) return false;
  return task.ended_at.has_value() || !task.lease_expires_at || *task.lease_expires_at <= now;
}

std::string_view LogLevelName(LogLevel l) { return NameOf(kLogLevels, l); }
std::optional<LogLevel> ParseLogLevel(std::string_view name) { return Parse(kLogLevels, name); }

std::string_view DeploymentStateName(DeploymentState s) { return NameOf(kDeploymentStates, s); }
std::optional<DeploymentState> ParseDeploymentState(std::string_view name) {
  return Parse(kDeploymentStates, name);
}

std::string_view DeliveryStatusName(DeliveryStatus s) { return NameOf(kDeliveryStatuses, s); }
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name) {
  return Parse(kDeliveryStatuses, name);
}

}  // namespace ferry::store
