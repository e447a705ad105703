// The lambda.verify task (lambda/verify.h): reads each side's metrics through a MetricReader,
// turns them into the judge's samples (continuous: the per-period datapoints of the metric's
// statistic; rates: each side's summed events over its summed exposure), judges them
// (src/verify) and answers the analysis. A read that fails, or an answer that does not fit the
// queries, fails the task with what was wrong; nothing is judged from partial data.
#pragma once

#include "delegate/lambda/metric_reader.h"
#include "delegate/protocol/task_protocol.h"
#include "lambda/verify.h"

namespace ferry::delegate {

TaskResult RunVerify(MetricReader& reader, const lambda::VerifyTask& task, TaskContext& context);

}  // namespace ferry::delegate
