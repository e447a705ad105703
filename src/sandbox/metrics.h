// How sandbox services hand each other data without sharing semantics: Lambda reports
// invocation metrics to CloudWatch through MetricSink, and reads code from S3 through
// ObjectReader. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::sandbox {

struct MetricDatum {
  std::string account_id;
  std::string region;
  std::string ns;    // "AWS/Lambda"
  std::string name;  // "Invocations", "Errors", "Throttles", "Duration"
  std::vector<std::pair<std::string, std::string>> dimensions;  // e.g. {"FunctionName", "orders"}
  double value = 0;
  std::string unit;  // "Count", "Milliseconds"
  TimePoint timestamp;
};

class MetricSink {
 public:
  virtual ~MetricSink() = default;
  virtual void Record(const MetricDatum& datum) = 0;
};

class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // kNotFound when the bucket, key or version does not exist.
  virtual Result<std::string> ReadObject(const std::string& account_id,
                                         const std::string& bucket, const std::string& key,
                                         const std::optional<std::string>& version_id) = 0;
};

}  // namespace ferry::sandbox
