// Helpers for driving the S3 sandbox service directly with constructed requests.
#pragma once

#include <map>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/s3/s3_service.h"

namespace ferry::sandbox::s3::testing {

inline Caller TestCaller(const std::string& account = "000000000000",
                         const std::string& region = "us-east-1") {
  return {account, "test", region, "arn:aws:iam::" + account + ":root"};
}

// raw_path must already be percent-encoded, as on the wire.
inline Request MakeRequest(const std::string& method, const std::string& raw_path,
                           std::multimap<std::string, std::string> query = {},
                           std::map<std::string, std::string> headers = {}, std::string body = "",
                           const std::string& host = "127.0.0.1:4566") {
  Request r;
  r.method = method;
  r.raw_path = raw_path;
  r.path = raw_path;
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.host = host;
  r.headers["host"] = host;
  r.body = std::move(body);
  return r;
}

inline std::string HeaderOf(const Response& response, const std::string& name) {
  for (const auto& [n, v] : response.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return v;
    }
  }
  return "";
}

inline bool HasHeader(const Response& response, const std::string& name) {
  for (const auto& [n, v] : response.headers) {
    std::string lower = n;
    for (auto& c : lower) c = static_cast<char>(std::tolower(c));
    if (lower == name) return true;
  }
  return false;
}

}  // namespace ferry::sandbox::s3::testing
