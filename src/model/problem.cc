#include "model/problem.h"

#include <cctype>

namespace ferry::model {

std::string JoinPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out.push_back('/');
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string JoinPath(std::string_view parent, size_t index) {
  return std::string(parent) + "/" + std::to_string(index);
}

std::vector<std::string> SplitPath(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  std::string current;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      out.push_back(std::move(current));
      current.clear();
      continue;
    }
    if (pointer[i] == '~' && i + 1 < pointer.size() &&
        (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      current.push_back(pointer[i + 1] == '0' ? '~' : '/');
      ++i;
      continue;
    }
    current.push_back(pointer[i]);
  }
  return out;
}

namespace {
bool IsIndex(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}
bool IsPlainKey(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Problem& problem) {
  return os << (problem.path.empty() ? "(document)" : problem.path) << ": " << problem.message;
}

std::string DisplayPath(std::string_view pointer) {
  std::vector<std::string> segments = SplitPath(pointer);
  if (segments.empty()) return "(document)";
  std::string out;
  for (const std::string& s : segments) {
    if (IsIndex(s) && !out.empty()) {
      out += "[" + s + "]";
    } else if (IsPlainKey(s)) {
      if (!out.empty()) out.push_back('.');
      out += s;
    } else {
      out += "[\"" + s + "\"]";
    }
  }
  return out;
}

}  // namespace ferry::model
