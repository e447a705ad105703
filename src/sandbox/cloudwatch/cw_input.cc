#include "sandbox/cloudwatch/cw_input.h"

#include <cmath>

#include "common/strings.h"
#include "common/time.h"
#include "sandbox/cloudwatch/cw_protocol.h"

namespace ferry::sandbox::cloudwatch {
namespace {

Error WrongType(const std::string& path, const std::string& expected) {
  return InvalidParameterValue("The parameter " + path + " must be " + expected + ".");
}

}  // namespace

std::string Input::PathOf(const std::string& name) const {
  return path_.empty() ? name : path_ + "." + name;
}

const Json* Input::Find(const std::string& name) const {
  if (!node_.is_object()) return nullptr;
  auto it = node_.find(name);
  if (it == node_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool Input::Has(const std::string& name) const { return Find(name) != nullptr; }

Result<std::optional<std::string>> Input::String(const std::string& name) const {
  const Json* v = Find(name);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return WrongType(PathOf(name), "a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::string> Input::RequiredString(const std::string& name) const {
  FERRY_ASSIGN_OR_RETURN(auto value, String(name));
  if (!value || value->empty()) return MissingParameter(PathOf(name));
  return *value;
}

Result<std::optional<double>> Input::Double(const std::string& name) const {
  const Json* v = Find(name);
  if (!v) return std::optional<double>();
  if (v->is_number()) return std::optional<double>(v->get<double>());
  if (v->is_string()) {
    auto parsed = ParseDouble(v->get<std::string>());
    if (parsed) return std::optional<double>(*parsed);
  }
  return WrongType(PathOf(name), "a number");
}

Result<std::optional<int64_t>> Input::Int(const std::string& name) const {
  const Json* v = Find(name);
  if (!v) return std::optional<int64_t>();
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  if (v->is_string()) {
    auto parsed = ParseInt(v->get<std::string>());
    if (parsed) return std::optional<int64_t>(*parsed);
  }
  return WrongType(PathOf(name), "an integer");
}

Result<std::optional<bool>> Input::Bool(const std::string& name) const {
  const Json* v = Find(name);
  if (!v) return std::optional<bool>();
  if (v->is_boolean()) return std::optional<bool>(v->get<bool>());
  if (v->is_string() && (*v == "true" || *v == "false")) {
    return std::optional<bool>(*v == "true");
  }
  return WrongType(PathOf(name), "a boolean");
}

Result<std::optional<TimePoint>> Input::Time(const std::string& name) const {
  const Json* v = Find(name);
  if (!v) return std::optional<TimePoint>();
  std::optional<double> epoch;
  if (v->is_number()) {
    epoch = v->get<double>();
  } else if (v->is_string()) {
    std::string text = v->get<std::string>();
    if (auto t = ParseRfc3339(text)) return std::optional<TimePoint>(*t);
    // ISO 8601 without a zone designator means UTC.
    if (auto t = ParseRfc3339(text + "Z")) return std::optional<TimePoint>(*t);
    epoch = ParseDouble(text);
  }
  if (!epoch || !std::isfinite(*epoch) || std::fabs(*epoch) > 1e11) {
    return WrongType(PathOf(name), "a timestamp");
  }
  return std::optional<TimePoint>(
      FromUnixMillis(static_cast<int64_t>(std::llround(*epoch * 1000.0))));
}

Result<std::vector<Input>> Input::List(const std::string& name, size_t max_items) const {
  std::vector<Input> out;
  const Json* v = Find(name);
  if (!v || (v->is_string() && v->get<std::string>().empty())) return out;  // query's empty list
  if (!v->is_array()) return WrongType(PathOf(name), "a list");
  if (v->size() > max_items) {
    return InvalidParameterValue("The collection " + PathOf(name) + " must not have more than " +
                                 std::to_string(max_items) + " members.");
  }
  for (size_t i = 0; i < v->size(); ++i) {
    out.emplace_back((*v)[i], PathOf(name) + ".member." + std::to_string(i + 1));
  }
  return out;
}

Result<std::optional<Input>> Input::Struct(const std::string& name) const {
  const Json* v = Find(name);
  if (!v) return std::optional<Input>();
  if (!v->is_object()) return WrongType(PathOf(name), "a structure");
  return std::optional<Input>(Input(*v, PathOf(name)));
}

Result<std::vector<std::string>> Input::StringList(const std::string& name,
                                                   size_t max_items) const {
  FERRY_ASSIGN_OR_RETURN(auto items, List(name, max_items));
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (!item.node().is_string()) return WrongType(item.path_, "a string");
    out.push_back(item.node().get<std::string>());
  }
  return out;
}

}  // namespace ferry::sandbox::cloudwatch
