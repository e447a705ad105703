// Splitting one fuzz input into several sandbox requests, so that one input can create something
// and then use it: requests are separated by a line "--", and each request is a few header-like
// lines followed by its body (see each target for which lines).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry::fuzz {

inline std::vector<std::string_view> SplitRequests(std::string_view input, size_t max_requests) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_requests) {
    size_t at = input.find("\n--\n");
    if (at == std::string_view::npos) break;
    out.push_back(input.substr(0, at));
    input.remove_prefix(at + 4);
  }
  out.push_back(input);
  return out;
}

// The first line of `text` (without its '\n'); `text` keeps the rest.
inline std::string_view TakeLine(std::string_view& text) {
  size_t end = text.find('\n');
  std::string_view line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return line;
}

}  // namespace ferry::fuzz
