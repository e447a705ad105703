// Typed access to a CloudWatch input tree (see cw_protocol.h) that accepts both protocols'
// scalars: query input carries every scalar as a string, awsJson carries numbers, booleans and
// epoch-second timestamps. Errors are InvalidParameterValue / MissingParameter naming the
// parameter by its query path ("MetricData.member.1.Value"). Internal; pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"

namespace ferry::sandbox::cloudwatch {

class Input {
 public:
  Input(const Json& node, std::string path) : node_(node), path_(std::move(path)) {}

  std::string PathOf(const std::string& name) const;
  bool Has(const std::string& name) const;

  Result<std::optional<std::string>> String(const std::string& name) const;
  Result<std::string> RequiredString(const std::string& name) const;
  Result<std::optional<double>> Double(const std::string& name) const;
  Result<std::optional<int64_t>> Int(const std::string& name) const;
  Result<std::optional<bool>> Bool(const std::string& name) const;
  Result<std::optional<TimePoint>> Time(const std::string& name) const;
  // Members of a list (an empty list when absent); kInvalidArgument past max_items.
  Result<std::vector<Input>> List(const std::string& name, size_t max_items) const;
  Result<std::optional<Input>> Struct(const std::string& name) const;
  // A list of strings.
  Result<std::vector<std::string>> StringList(const std::string& name, size_t max_items) const;

  const Json& node() const { return node_; }

 private:
  const Json* Find(const std::string& name) const;
  const Json& node_;
  std::string path_;
};

}  // namespace ferry::sandbox::cloudwatch
