// Validation shared by the CloudWatch sandbox's metric and alarm operations. Internal; pure.
#pragma once

#include <string>

#include "common/result.h"
#include "sandbox/cloudwatch/cw_input.h"
#include "sandbox/cloudwatch/metric_store.h"

namespace ferry::sandbox::cloudwatch {

// InvalidParameterValue unless min <= size <= max.
Status CheckLength(const std::string& value, size_t min, size_t max, const std::string& path);
// InvalidParameterValue unless unit is one of CloudWatch's StandardUnit values.
Status CheckUnit(const std::string& unit, const std::string& path);
// A Dimensions list (at most 30, unique names), sorted by name.
Result<Dimensions> ParseDimensions(const Input& input, const std::string& name);

}  // namespace ferry::sandbox::cloudwatch
