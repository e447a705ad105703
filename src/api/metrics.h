// Metrics of `ferry server` in the Prometheus text format 0.0.4 (GET /metrics): HTTP request
// counters and latency histograms per route, execution and task gauges read from the store,
// build info and process metrics. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.h"

namespace ferry::api {

class HttpMetrics {
 public:
  // route is the matched pattern ("/api/v1/executions/{id}"), never the raw path, and a method
  // HTTP/1.1 does not define is counted as "other", so hostile requests cannot grow the label
  // set.
  void Record(const std::string& method, const std::string& route, int status, double seconds);

  // The whole exposition: the HTTP series, then the store gauges (an unreadable store is
  // reported as ferry_store_up 0 rather than failing the scrape), build info, process.
  std::string Render(store::Store& store, const std::string& version) const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative counts are computed when rendering
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  // Guarded by mu_.
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
};

}  // namespace ferry::api
