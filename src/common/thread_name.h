// Names the calling thread (what `top -H`, `ps -L`, /proc/PID/task/TID/comm and profilers show),
// so that an operator sees which part of Ferry spends the CPU: ferry-engine, ferry-api,
// ferry-agent, ferry-task, ferry-lambda, ... Linux keeps 15 bytes; longer names are cut.
#pragma once

#include <string_view>

namespace ferry {

void SetThreadName(std::string_view name);

}  // namespace ferry
