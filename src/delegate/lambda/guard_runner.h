// The lambda.guard task (lambda/guard.h): reads every subject's metrics for the recent window
// and for each baseline window through a MetricReader (one Read per window: the reader batches
// 500 queries a GetMetricData call), judges each subject's recent window against its baseline
// windows combined (continuous metrics: every baseline window's per-period datapoints pooled;
// rates: one count window per baseline window) and answers one finding per subject and metric.
// A read that fails fails the task: nothing is judged from partial data.
#pragma once

#include "delegate/lambda/metric_reader.h"
#include "delegate/protocol/task_protocol.h"
#include "lambda/guard.h"

namespace ferry::delegate {

TaskResult RunGuard(MetricReader& reader, const lambda::GuardTask& task, TaskContext& context);

}  // namespace ferry::delegate
