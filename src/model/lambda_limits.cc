#include "model/lambda_limits.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <regex>

namespace ferry::model::lambda {

const std::vector<std::string>& Runtimes() {
  static const std::vector<std::string> kRuntimes = {
      "nodejs",     "nodejs4.3",       "nodejs6.10",     "nodejs8.10",    "nodejs10.x",
      "nodejs12.x", "nodejs14.x",      "nodejs16.x",     "java8",         "java8.al2",
      "java11",     "python2.7",       "python3.6",      "python3.7",     "python3.8",
      "python3.9",  "dotnetcore1.0",   "dotnetcore2.0",  "dotnetcore2.1", "dotnetcore3.1",
      "dotnet6",    "dotnet8",         "nodejs4.3-edge", "go1.x",         "ruby2.5",
      "ruby2.7",    "provided",        "provided.al2",   "nodejs18.x",    "python3.10",
      "java17",     "ruby3.2",         "ruby3.3",        "ruby3.4",       "python3.11",
      "nodejs20.x", "provided.al2023", "python3.12",     "java21",        "python3.13",
      "nodejs22.x", "nodejs24.x",      "python3.14",     "java25",        "dotnet10",
      "ruby4.0",
  };
  return kRuntimes;
}

bool IsKnownRuntime(std::string_view runtime) {
  const auto& all = Runtimes();
  return std::find(all.begin(), all.end(), runtime) != all.end();
}

bool MatchesPattern(std::string_view pattern, std::string_view value) {
  static std::mutex mu;
  static std::map<std::string, std::regex, std::less<>> cache;  // Guarded by mu.
  const std::regex* re = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(pattern);
    if (it == cache.end()) {
      it = cache.emplace(std::string(pattern), std::regex(std::string(pattern))).first;
    }
    re = &it->second;  // std::map nodes are stable; regex_match on a const regex is thread-safe.
  }
  return std::regex_match(value.begin(), value.end(), *re);
}

std::string CheckFunctionName(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxFunctionNameLength) {
    return "is " + std::to_string(name.size()) + " characters long; Lambda allows at most " +
           std::to_string(kMaxFunctionNameLength);
  }
  if (name.find(':') != std::string_view::npos || !MatchesPattern(kFunctionNamePattern, name)) {
    return "must contain only letters, digits, '-' and '_' (Lambda's FunctionName pattern)";
  }
  return "";
}

std::string CheckAliasName(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxAliasLength) {
    return "is longer than " + std::to_string(kMaxAliasLength) + " characters";
  }
  if (!MatchesPattern(kAliasPattern, name)) {
    return "must contain only letters, digits, '-' and '_' and not be all digits (Lambda's Alias "
           "pattern)";
  }
  return "";
}

}  // namespace ferry::model::lambda
