#include "sandbox/cloudwatch/metric_store.h"

#include "common/json.h"
#include "common/time.h"

namespace ferry::sandbox::cloudwatch {
namespace {

int64_t EpochSecond(TimePoint t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

Json AggregateToJson(const Aggregate& a) {
  Json values = Json::array();
  for (const auto& [value, times] : a.values) values.push_back({value, times});
  return {{"sum", a.sum}, {"count", a.count}, {"min", a.min},
          {"max", a.max}, {"values", values}, {"complete", a.values_complete}};
}

Aggregate AggregateFromJson(const Json& j) {
  Aggregate a;
  a.sum = j.at("sum").get<double>();
  a.count = j.at("count").get<double>();
  a.min = j.at("min").get<double>();
  a.max = j.at("max").get<double>();
  a.values_complete = j.at("complete").get<bool>();
  for (const Json& pair : j.at("values"))
    a.values[pair.at(0).get<double>()] += pair.at(1).get<double>();
  return a;
}

}  // namespace

Status MetricStore::Add(const MetricKey& key, TimePoint timestamp, const std::string& unit,
                        const Aggregate& sample, TimePoint now) {
  auto it = series_.find(key);
  if (it == series_.end()) {
    if (series_.size() >= limits_.max_series) {
      Error error = InvalidArgument("The sandbox holds the maximum of " +
                                    std::to_string(limits_.max_series) + " metrics.");
      error.details["cw.code"] = "LimitExceeded";
      return error;
    }
    it = series_.emplace(key, Series{}).first;
  }
  it->second.seconds[EpochSecond(timestamp)][unit.empty() ? "None" : unit].Merge(sample);
  it->second.last_write = now;
  return Ok();
}

MetricStore::Slice MetricStore::Query(const MetricKey& key, TimePoint begin, TimePoint end,
                                      const std::optional<std::string>& unit) const {
  Slice slice;
  auto it = series_.find(key);
  if (it == series_.end()) return slice;
  int64_t first = EpochSecond(begin);
  int64_t last = EpochSecond(end);  // exclusive
  bool mixed = false;
  for (auto sec = it->second.seconds.lower_bound(first);
       sec != it->second.seconds.end() && sec->first < last; ++sec) {
    for (const auto& [u, aggregate] : sec->second) {
      if (unit && *unit != u) continue;
      if (slice.unit.empty()) {
        slice.unit = u;
      } else if (slice.unit != u) {
        mixed = true;
      }
      slice.aggregate.Merge(aggregate);
    }
  }
  if (mixed || slice.unit.empty()) slice.unit = "None";
  return slice;
}

std::vector<MetricKey> MetricStore::List(const std::string& account, const std::string& region,
                                         std::optional<TimePoint> active_since) const {
  std::vector<MetricKey> out;
  for (const auto& [key, series] : series_) {
    if (key.account != account || key.region != region) continue;
    if (active_since && series.last_write < *active_since) continue;
    out.push_back(key);
  }
  return out;
}

void MetricStore::Prune(TimePoint now) {
  int64_t oldest = EpochSecond(now - limits_.retention);
  for (auto it = series_.begin(); it != series_.end();) {
    auto& seconds = it->second.seconds;
    seconds.erase(seconds.begin(), seconds.lower_bound(oldest));
    it = seconds.empty() ? series_.erase(it) : std::next(it);
  }
}

Json MetricStore::ToJson() const {
  Json out = Json::array();
  for (const auto& [key, series] : series_) {
    Json dims = Json::array();
    for (const auto& [n, v] : key.dimensions) dims.push_back({n, v});
    Json seconds = Json::array();
    for (const auto& [sec, units] : series.seconds) {
      for (const auto& [unit, aggregate] : units) {
        seconds.push_back({{"t", sec}, {"unit", unit}, {"data", AggregateToJson(aggregate)}});
      }
    }
    out.push_back({{"account", key.account},
                   {"region", key.region},
                   {"namespace", key.ns},
                   {"name", key.name},
                   {"dimensions", dims},
                   {"last_write", ToUnixMillis(series.last_write)},
                   {"seconds", seconds}});
  }
  return out;
}

Status MetricStore::FromJson(const Json& state) {
  std::map<MetricKey, Series> loaded;
  try {
    for (const Json& js : state) {
      MetricKey key{js.at("account").get<std::string>(),
                    js.at("region").get<std::string>(),
                    js.at("namespace").get<std::string>(),
                    js.at("name").get<std::string>(),
                    {}};
      for (const Json& d : js.at("dimensions")) {
        key.dimensions.emplace_back(d.at(0).get<std::string>(), d.at(1).get<std::string>());
      }
      Series series;
      series.last_write = FromUnixMillis(js.at("last_write").get<int64_t>());
      for (const Json& s : js.at("seconds")) {
        series.seconds[s.at("t").get<int64_t>()][s.at("unit").get<std::string>()] =
            AggregateFromJson(s.at("data"));
      }
      loaded[std::move(key)] = std::move(series);
    }
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("malformed metric data: ") + e.what());
  }
  series_ = std::move(loaded);
  return Ok();
}

}  // namespace ferry::sandbox::cloudwatch
