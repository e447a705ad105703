// The delegate's Lambda task handlers: one handler object runs every kind of lambda/tasks.h
// (snapshot, deploy, rollback, prune, plan, shift), the alarm gate (lambda/alarm_gate.h) and
// verification (lambda/verify.h, verify_runner.h),
// decoding the payload and encoding the result with that module's codecs. Each is idempotent: it
// re-reads the functions and guards its writes, so a task re-run after a lost delegate does
// nothing twice. An alarm gate that watches a bake holds its task until the bake's end (an
// absolute time: a re-run waits only the rest) or the first alarm in ALARM.
//
// A deploy task's environment variables that use secrets arrive as references (SecretText) and
// are read through the handler's SecretResolver just before deploying: a secret that cannot be
// read fails the task before any function is touched. A plan task reads them the same way (a
// changed secret is a configuration change) and shows only which fields differ.
//
// Thread-safe; the provider must outlive the handlers.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/secret_text.h"
#include "delegate/lambda/alarm_reader.h"
#include "delegate/lambda/deployer.h"
#include "delegate/lambda/metric_reader.h"
#include "delegate/protocol/task_protocol.h"
#include "lambda/target.h"

namespace ferry::delegate {

// Gives the LambdaApi for a target (clients are cached and shared across tasks).
class LambdaApiProvider {
 public:
  virtual ~LambdaApiProvider() = default;
  virtual Result<LambdaApi*> For(const lambda::LambdaTarget& target) = 0;
  // The CloudWatch alarms of the target's account and region (alarm gates). The default (a
  // provider without CloudWatch): kUnimplemented.
  virtual Result<AlarmReader*> AlarmsFor(const lambda::LambdaTarget& target) {
    (void)target;
    return Error{ErrorCode::kUnimplemented, "this delegate cannot read CloudWatch alarms"};
  }
  // CloudWatch metric data of the target's account and region (verify steps). The default (a
  // provider without CloudWatch): kUnimplemented.
  virtual Result<MetricReader*> MetricsFor(const lambda::LambdaTarget& target) {
    (void)target;
    return Error{ErrorCode::kUnimplemented, "this delegate cannot read CloudWatch metrics"};
  }
};

struct LambdaTaskOptions {
  size_t default_concurrency = 8;  // a deploy task's functions at once when it names none
  // Reads the secrets that environment values use (none: a function with one fails).
  SecretResolver secrets;
  // For the deployer's waits between transient retries; nullptr = SystemClock::Instance().
  Clock* clock = nullptr;
};

class LambdaTaskHandler final : public TaskHandler {
 public:
  explicit LambdaTaskHandler(LambdaApiProvider& provider, LambdaTaskOptions options = {});
  TaskResult Run(const TaskAssignment& assignment, TaskContext& context) override;

  // The task kinds this handler runs (lambda/tasks.h).
  static const std::vector<std::string>& Kinds();

 private:
  LambdaApiProvider& provider_;
  const LambdaTaskOptions options_;
};

}  // namespace ferry::delegate
