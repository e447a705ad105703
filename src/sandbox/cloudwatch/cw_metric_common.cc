#include "sandbox/cloudwatch/cw_metric_common.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "sandbox/cloudwatch/cw_protocol.h"

namespace ferry::sandbox::cloudwatch {
namespace {

constexpr size_t kMaxDimensions = 30;
constexpr std::array<std::string_view, 27> kUnits = {"Seconds",
                                                     "Microseconds",
                                                     "Milliseconds",
                                                     "Bytes",
                                                     "Kilobytes",
                                                     "Megabytes",
                                                     "Gigabytes",
                                                     "Terabytes",
                                                     "Bits",
                                                     "Kilobits",
                                                     "Megabits",
                                                     "Gigabits",
                                                     "Terabits",
                                                     "Percent",
                                                     "Count",
                                                     "Bytes/Second",
                                                     "Kilobytes/Second",
                                                     "Megabytes/Second",
                                                     "Gigabytes/Second",
                                                     "Terabytes/Second",
                                                     "Bits/Second",
                                                     "Kilobits/Second",
                                                     "Megabits/Second",
                                                     "Gigabits/Second",
                                                     "Terabits/Second",
                                                     "Count/Second",
                                                     "None"};

}  // namespace

Status CheckLength(const std::string& value, size_t min, size_t max, const std::string& path) {
  if (value.size() < min || value.size() > max) {
    return InvalidParameterValue("The parameter " + path + " must be between " +
                                 std::to_string(min) + " and " + std::to_string(max) +
                                 " characters long.");
  }
  return Ok();
}

Status CheckUnit(const std::string& unit, const std::string& path) {
  if (std::find(kUnits.begin(), kUnits.end(), unit) == kUnits.end()) {
    return InvalidParameterValue("The value " + unit + " for parameter " + path +
                                 " is not a valid unit.");
  }
  return Ok();
}

Result<Dimensions> ParseDimensions(const Input& input, const std::string& name) {
  FERRY_ASSIGN_OR_RETURN(auto items, input.List(name, kMaxDimensions));
  Dimensions dims;
  for (const auto& item : items) {
    FERRY_ASSIGN_OR_RETURN(std::string n, item.RequiredString("Name"));
    FERRY_ASSIGN_OR_RETURN(std::string v, item.RequiredString("Value"));
    FERRY_RETURN_IF_ERROR(CheckLength(n, 1, 255, item.PathOf("Name")));
    FERRY_RETURN_IF_ERROR(CheckLength(v, 1, 1024, item.PathOf("Value")));
    dims.emplace_back(std::move(n), std::move(v));
  }
  std::sort(dims.begin(), dims.end());
  for (size_t i = 1; i < dims.size(); ++i) {
    if (dims[i].first == dims[i - 1].first) {
      return InvalidParameterValue("The collection " + input.PathOf(name) +
                                   " must not contain duplicate dimension names (" + dims[i].first +
                                   ").");
    }
  }
  return dims;
}

}  // namespace ferry::sandbox::cloudwatch
