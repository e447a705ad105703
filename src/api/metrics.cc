#include "api/metrics.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "store/limits.h"

namespace ferry::api {
namespace {

constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,   0.25,   0.5,   1,    2.5,   10};

// Label values: escape backslash, quote and newline (text format 0.0.4).
std::string Label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

// Seconds since the epoch at which this process started: boot time + the start tick.
double ProcessStartSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  // Field 3 (state) is the first after the command; starttime is field 22.
  for (int i = 3; i < 22 && (fields >> field); ++i) {
  }
  uint64_t start_ticks = 0;
  if (!(fields >> start_ticks)) return 0;
  std::ifstream proc_stat("/proc/stat");
  std::string line;
  uint64_t boot = 0;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0) boot = std::stoull(line.substr(6));
  }
  return static_cast<double>(boot) +
         static_cast<double>(start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The method label: the methods of HTTP/1.1 by name, anything a client invents as "other", so
// that invented methods cannot grow the label set.
std::string MethodLabel(const std::string& method) {
  static constexpr std::string_view kKnown[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (std::string_view known : kKnown) {
    if (method == known) return method;
  }
  return "other";
}

}  // namespace

void HttpMetrics::Record(const std::string& method, const std::string& route, int status,
                         double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{MethodLabel(method), route, status}];
  Histogram& h = durations_[route];
  if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

std::string HttpMetrics::Render(store::Store& store, const std::string& version) const {
  std::ostringstream out;
  {
    std::lock_guard lock(mu_);
    out << "# HELP ferry_http_requests_total HTTP requests served, by route and status.\n"
        << "# TYPE ferry_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [method, route, status] = key;
      out << "ferry_http_requests_total{method=\"" << Label(method) << "\",route=\"" << Label(route)
          << "\",status=\"" << status << "\"} " << n << "\n";
    }
    out << "# HELP ferry_http_request_duration_seconds Time to answer a request, by route.\n"
        << "# TYPE ferry_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : durations_) {
      uint64_t cumulative = 0;
      std::string labels = "route=\"" + Label(route) + "\"";
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += h.buckets[i];
        out << "ferry_http_request_duration_seconds_bucket{" << labels << ",le=\""
            << Number(kBuckets[i]) << "\"} " << cumulative << "\n";
      }
      out << "ferry_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.count
          << "\n";
      out << "ferry_http_request_duration_seconds_sum{" << labels << "} " << Number(h.sum) << "\n";
      out << "ferry_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
    }
  }

  // Executions are never deleted, so the per-status counts also give the started and
  // finished totals as true counters.
  constexpr store::ExecutionStatus kStatuses[] = {
      store::ExecutionStatus::kQueued,      store::ExecutionStatus::kRunning,
      store::ExecutionStatus::kWaiting,     store::ExecutionStatus::kAborting,
      store::ExecutionStatus::kRollingBack, store::ExecutionStatus::kSucceeded,
      store::ExecutionStatus::kFailed,      store::ExecutionStatus::kAborted,
      store::ExecutionStatus::kRolledBack,  store::ExecutionStatus::kRollbackFailed};
  std::vector<std::pair<store::ExecutionStatus, uint64_t>> counts;
  bool store_up = true;
  auto by_status = store.executions().CountByStatus();
  if (by_status.ok()) {
    for (store::ExecutionStatus s : kStatuses) {
      auto n = by_status->find(s);
      counts.emplace_back(s, n == by_status->end() ? 0 : static_cast<uint64_t>(n->second));
    }
  } else {
    store_up = false;
  }
  // Tasks: the live queue (queued and leased); finished tasks are history, not load.
  std::vector<std::pair<store::TaskStatus, uint64_t>> tasks;
  for (store::TaskStatus s : {store::TaskStatus::kQueued, store::TaskStatus::kLeased}) {
    if (!store_up) break;
    auto page = store.tasks().List(
        {.execution_id = std::nullopt, .status = s, .limit = store::kMaxPageSize});
    if (!page.ok()) {
      store_up = false;
      break;
    }
    tasks.emplace_back(s, page->size());
  }
  out << "# HELP ferry_store_up Whether the store answered this scrape.\n"
      << "# TYPE ferry_store_up gauge\n"
      << "ferry_store_up " << (store_up ? 1 : 0) << "\n";
  if (store_up) {
    uint64_t started = 0;
    out << "# HELP ferry_executions Executions by status.\n"
        << "# TYPE ferry_executions gauge\n";
    for (const auto& [s, n] : counts) {
      out << "ferry_executions{status=\"" << store::ExecutionStatusName(s) << "\"} " << n << "\n";
      started += n;
    }
    out << "# HELP ferry_executions_started_total Executions created.\n"
        << "# TYPE ferry_executions_started_total counter\n"
        << "ferry_executions_started_total " << started << "\n";
    out << "# HELP ferry_executions_finished_total Executions that reached a terminal status.\n"
        << "# TYPE ferry_executions_finished_total counter\n";
    for (const auto& [s, n] : counts) {
      if (!store::IsTerminal(s)) continue;
      out << "ferry_executions_finished_total{status=\"" << store::ExecutionStatusName(s) << "\"} "
          << n << "\n";
    }
    out << "# HELP ferry_tasks Delegate tasks waiting or in progress (capped at "
        << store::kMaxPageSize << ").\n"
        << "# TYPE ferry_tasks gauge\n";
    for (const auto& [s, n] : tasks) {
      out << "ferry_tasks{status=\"" << store::TaskStatusName(s) << "\"} " << n << "\n";
    }
  }
  out << "# HELP ferry_build_info The running build.\n"
      << "# TYPE ferry_build_info gauge\n"
      << "ferry_build_info{version=\"" << Label(version) << "\"} 1\n";
  out << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      << "# TYPE process_resident_memory_bytes gauge\n"
      << "process_resident_memory_bytes " << ResidentBytes() << "\n";
  out << "# HELP process_start_time_seconds Start time of the process since the epoch.\n"
      << "# TYPE process_start_time_seconds gauge\n"
      << "process_start_time_seconds " << Number(ProcessStartSeconds()) << "\n";
  return out.str();
}

}  // namespace ferry::api
