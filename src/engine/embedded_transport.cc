#include "engine/embedded_transport.h"

namespace ferry::engine {
namespace {

store::TaskLease LeaseOf(const delegate::TaskAssignment& a) {
  return store::TaskLease{a.task_id, a.owner, a.attempt};
}

store::LogLevel LevelOf(delegate::TaskLogLevel level) {
  switch (level) {
    case delegate::TaskLogLevel::kWarn:
      return store::LogLevel::kWarn;
    case delegate::TaskLogLevel::kError:
      return store::LogLevel::kError;
    case delegate::TaskLogLevel::kInfo:
      break;
  }
  return store::LogLevel::kInfo;
}

}  // namespace

Result<std::optional<delegate::TaskAssignment>> EmbeddedTransport::ClaimNext(
    const std::string& delegate_id, const std::vector<std::string>& selectors, Duration lease) {
  FERRY_ASSIGN_OR_RETURN(auto task, store_.tasks().ClaimNext(delegate_id, selectors, lease));
  if (!task) return std::optional<delegate::TaskAssignment>();
  delegate::TaskAssignment a;
  a.task_id = task->id;
  a.kind = task->kind;
  a.payload_json = task->payload_json;
  a.attempt = task->attempt;
  a.owner = delegate_id;
  a.execution_id = task->execution_id;
  a.step_index = task->step_index;
  return std::optional<delegate::TaskAssignment>(std::move(a));
}

Status EmbeddedTransport::Heartbeat(const delegate::TaskAssignment& a, Duration extension) {
  auto task = store_.tasks().Heartbeat(LeaseOf(a), extension);
  if (!task.ok()) return task.error();
  return Ok();
}

Status EmbeddedTransport::AppendLog(const delegate::TaskAssignment& a,
                                    const std::vector<delegate::TaskLogLine>& lines) {
  if (!a.execution_id || lines.empty()) return Ok();
  std::vector<store::NewLogLine> out;
  for (const auto& l : lines) {
    out.push_back(store::NewLogLine{a.step_index, LevelOf(l.level), a.owner, l.text, l.at});
  }
  auto appended = store_.logs().Append(*a.execution_id, out);
  if (!appended.ok()) return appended.error();
  return Ok();
}

Status EmbeddedTransport::Complete(const delegate::TaskAssignment& a,
                                   const delegate::TaskResult& result) {
  store::TaskOutcome outcome;
  outcome.succeeded = result.succeeded;
  outcome.result_json = result.result_json;
  if (!result.succeeded) outcome.error = result.error;
  auto task = store_.tasks().Complete(LeaseOf(a), outcome);
  if (!task.ok()) return task.error();
  if (on_complete_) on_complete_();
  return Ok();
}

}  // namespace ferry::engine
