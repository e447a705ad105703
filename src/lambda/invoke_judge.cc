// The judge of invocations (invoke.h): expectations parsed and checked when a workflow is
// compiled, and applied to each answer by the delegate. Pure.
#include <cctype>
#include <charconv>
#include <regex>

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"
#include "lambda/invoke.h"

namespace ferry::lambda {
namespace {

// libstdc++'s polynomial-time (breadth-first) matcher: no catastrophic backtracking, no deep
// recursion on long responses; it refuses back-references.
constexpr auto kRegexSyntax = std::regex::ECMAScript | std::regex_constants::__polynomial;

Error Invalid(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}

// `text` cut to at most `max` bytes on a UTF-8 character boundary.
std::string Cut(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

// One step of a path: a member name or an array index.
struct PathStep {
  std::string member;
  std::optional<size_t> index;
};

Result<std::vector<PathStep>> ParsePath(std::string_view path) {
  if (path.empty()) return Invalid("the path is empty");
  if (path.size() > kMaxJsonPathBytes) {
    return Invalid("the path is longer than " + std::to_string(kMaxJsonPathBytes) + " bytes");
  }
  std::vector<PathStep> out;
  size_t i = 0;
  if (path[0] == '$') {
    i = 1;
    if (i < path.size() && path[i] == '.') ++i;
    if (i == path.size() && path.size() > 1) return Invalid("the path ends with a dot");
  }
  bool need_member = i < path.size() && path[i] != '[';
  while (i < path.size()) {
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) return Invalid("the path has an unclosed [");
      size_t index = 0;
      const char* b = path.data() + i + 1;
      const char* e = path.data() + close;
      auto [end, ec] = std::from_chars(b, e, index);
      if (b == e || ec != std::errc() || end != e || index > 1'000'000) {
        return Invalid("an index of the path is not a whole number");
      }
      out.push_back({"", index});
      i = close + 1;
      if (i < path.size() && path[i] != '.' && path[i] != '[') {
        return Invalid("the path needs a dot after an index");
      }
      if (i < path.size() && path[i] == '.') {
        ++i;
        need_member = true;
        if (i == path.size()) return Invalid("the path ends with a dot");
      }
      continue;
    }
    size_t end = i;
    while (end < path.size() &&
           (std::isalnum(static_cast<unsigned char>(path[end])) || path[end] == '_' ||
            path[end] == '-')) {
      ++end;
    }
    if (end == i) {
      return Invalid(need_member ? "a member name of the path is empty or not letters, digits, _ "
                                   "and -"
                                 : "the path is not PATH such as body.ok or $.items[0].id");
    }
    out.push_back({std::string(path.substr(i, end - i)), std::nullopt});
    i = end;
    need_member = false;
    if (i < path.size()) {
      if (path[i] == '.') {
        ++i;
        need_member = true;
        if (i == path.size()) return Invalid("the path ends with a dot");
      } else if (path[i] != '[') {
        return Invalid("a member name of the path is not letters, digits, _ and -");
      }
    }
  }
  if (out.size() > 32) return Invalid("the path is deeper than 32");
  return out;
}

// The value at `path` in `root` (nullopt when absent); a string holding JSON is descended into.
std::optional<Json> Lookup(const Json& root, const std::vector<PathStep>& path) {
  Json node = root;
  for (const auto& step : path) {
    if (node.is_string()) {
      auto inner = ParseJson(node.get_ref<const std::string&>());
      if (!inner.ok()) return std::nullopt;
      node = std::move(inner).value();
    }
    if (step.index) {
      if (!node.is_array() || *step.index >= node.size()) return std::nullopt;
      Json next = node[*step.index];
      node = std::move(next);
    } else {
      if (!node.is_object()) return std::nullopt;
      auto it = node.find(step.member);
      if (it == node.end()) return std::nullopt;
      Json next = *it;
      node = std::move(next);
    }
  }
  return node;
}

Json ExpectedValue(const std::string& text) {
  auto parsed = ParseJson(text);
  if (parsed.ok()) return std::move(parsed).value();
  return Json(text);
}

// JSON equality where 200 and 200.0 are equal.
bool SameValue(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

}  // namespace

Result<JsonEquality> ParseJsonEquality(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Invalid("an expectation must be PATH=VALUE, such as body.ok=true");
  }
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  JsonEquality out;
  out.path = std::string(trim(text.substr(0, eq)));
  const std::string_view value = trim(text.substr(eq + 1));
  FERRY_RETURN_IF_ERROR(ParsePath(out.path));
  if (value.size() > kMaxExpectedValueBytes) {
    return Invalid("the expected value is longer than " + std::to_string(kMaxExpectedValueBytes) +
                   " bytes");
  }
  if (!IsValidUtf8(value)) return Invalid("the expected value is not UTF-8");
  JsonLimits limits;
  limits.max_bytes = kMaxExpectedValueBytes;
  auto parsed = ParseJson(value, limits);
  out.value = parsed.ok() ? DumpJson(*parsed) : DumpJson(Json(std::string(value)));
  return out;
}

Result<std::vector<JsonEquality>> ParseJsonEqualities(std::string_view text) {
  std::vector<JsonEquality> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      if (out.size() == kMaxJsonExpectations) {
        return Invalid("at most " + std::to_string(kMaxJsonExpectations) + " expectations");
      }
      auto one = ParseJsonEquality(line);
      if (!one.ok()) {
        return Invalid("expectation " + std::to_string(out.size() + 1) + ": " +
                       one.error().message);
      }
      out.push_back(std::move(one).value());
    }
    start = end + 1;
  }
  if (out.empty()) return Invalid("give at least one PATH=VALUE");
  return out;
}

Status CheckExpectRegex(std::string_view pattern) {
  if (pattern.empty()) return Invalid("the regular expression is empty");
  if (pattern.size() > kMaxRegexBytes) {
    return Invalid("the regular expression is longer than " + std::to_string(kMaxRegexBytes) +
                   " bytes");
  }
  // Counted repetitions multiply the automaton's states: bound them before compiling.
  int64_t product = 1;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
      continue;
    }
    if (pattern[i] != '{') continue;
    int64_t largest = 0;
    int64_t value = -1;
    size_t j = i + 1;
    for (; j < pattern.size() && pattern[j] != '}'; ++j) {
      const char c = pattern[j];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        value = (value < 0 ? 0 : value) * 10 + (c - '0');
        if (value > 100) return Invalid("a counted repetition of the regular expression is over 100");
      } else if (c == ',') {
        largest = std::max(largest, value);
        value = -1;
      } else {
        break;
      }
    }
    largest = std::max(largest, value);
    if (j < pattern.size() && pattern[j] == '}' && largest > 0) {
      product *= largest;
      if (product > 10'000) {
        return Invalid("the counted repetitions of the regular expression multiply past 10000");
      }
    }
  }
  try {
    std::regex re(pattern.begin(), pattern.end(), kRegexSyntax);
    if (re.mark_count() > 100) return Invalid("the regular expression has over 100 groups");
    // Polynomial matching refuses back-references (it throws error_complexity).
    std::regex_search(std::string(), re);
  } catch (const std::regex_error& e) {
    if (e.code() == std::regex_constants::error_complexity) {
      return Invalid("the regular expression uses back-references, which are not supported");
    }
    return Invalid("the regular expression is not valid ECMAScript");
  }
  return Ok();
}

Status ValidateExpectations(const InvokeExpectations& expect) {
  if (expect.status < 100 || expect.status > 599) {
    return Invalid("expectStatus must be an HTTP status from 100 to 599");
  }
  if (expect.json.size() > kMaxJsonExpectations) {
    return Invalid("expectJson: at most " + std::to_string(kMaxJsonExpectations) +
                   " expectations");
  }
  for (const auto& e : expect.json) {
    auto path = ParsePath(e.path);
    if (!path.ok()) return path.error().WithContext("expectJson");
    if (e.value.size() > kMaxExpectedValueBytes * 2 || !ParseJson(e.value).ok()) {
      return Invalid("expectJson: a value is not JSON");
    }
  }
  if (!expect.regex.empty()) {
    auto regex = CheckExpectRegex(expect.regex);
    if (!regex.ok()) return regex.error().WithContext("expectRegex");
  }
  if (expect.max_latency && *expect.max_latency <= Duration{0}) {
    return Invalid("maxLatency must be positive");
  }
  return Ok();
}

std::vector<std::string> JudgeInvocation(const InvokeExpectations& expect,
                                         const InvocationAnswer& answer) {
  std::vector<std::string> out;
  if (!answer.function_error.empty()) {
    out.push_back("FunctionError " + Cut(answer.function_error, 64));
  }
  auto parsed = ParseJson(answer.response);
  if (expect.hook_answer) {
    if (!out.empty()) return out;
    const Json* answer_json = parsed.ok() && parsed->is_object() ? &*parsed : nullptr;
    auto status = answer_json ? answer_json->find("status") : Json::const_iterator();
    if (answer_json == nullptr || status == answer_json->end() || !status->is_string() ||
        (*status != "Succeeded" && *status != "Failed")) {
      out.push_back(
          "the hook's answer is neither {\"status\": \"Succeeded\"} nor {\"status\": \"Failed\"}");
      return out;
    }
    if (*status == "Failed") {
      std::string reason = "no reason given";
      if (auto r = answer_json->find("reason"); r != answer_json->end() && r->is_string()) {
        reason = Cut(r->get<std::string>(), 512);
      }
      out.push_back("the hook answered Failed: " + reason);
    }
    return out;
  }
  int status = answer.status;
  if (parsed.ok() && parsed->is_object()) {
    auto it = parsed->find("statusCode");
    if (it != parsed->end() && it->is_number_integer()) status = it->get<int>();
  }
  if (status != expect.status) {
    out.push_back("status " + std::to_string(status) + ", expected " +
                  std::to_string(expect.status));
  }
  for (const auto& e : expect.json) {
    auto path = ParsePath(e.path);
    if (!path.ok()) {
      out.push_back(e.path + ": not a path");
      continue;
    }
    const Json want = ExpectedValue(e.value);
    std::optional<Json> got = parsed.ok() ? Lookup(*parsed, *path) : std::nullopt;
    if (!parsed.ok()) {
      out.push_back(e.path + ": the response is not JSON, expected " + Cut(DumpJson(want), 200));
    } else if (!got) {
      out.push_back(e.path + " is absent, expected " + Cut(DumpJson(want), 200));
    } else if (!SameValue(*got, want)) {
      out.push_back(e.path + " is " + Cut(DumpJson(*got), 200) + ", expected " +
                    Cut(DumpJson(want), 200));
    }
  }
  if (!expect.regex.empty()) {
    try {
      std::regex re(expect.regex, kRegexSyntax);
      const std::string_view scanned =
          std::string_view(answer.response).substr(0, kRegexScanBytes);
      if (!std::regex_search(scanned.begin(), scanned.end(), re)) {
        out.push_back("the response does not match expectRegex " +
                      QuoteForMessage(expect.regex, 120));
      }
    } catch (const std::regex_error&) {
      out.push_back("expectRegex cannot be used");
    }
  }
  if (expect.max_latency && answer.latency > *expect.max_latency) {
    out.push_back("latency " + std::to_string(answer.latency.count()) + " ms is over maxLatency " +
                  FormatDuration(*expect.max_latency));
  }
  return out;
}

std::string DescribeFailure(const Invocation& inv, size_t index, size_t total) {
  std::string out = inv.function_name + (inv.qualifier.empty() ? "" : ":" + inv.qualifier);
  if (total > 1) {
    out += " (invocation " + std::to_string(index + 1) + " of " + std::to_string(total) + ")";
  }
  if (inv.error) {
    const std::string& m = inv.error->message;
    return out + ": " + (m.rfind("no answer", 0) == 0 ? m : "no answer: " + m);
  }
  out += ": ";
  for (size_t i = 0; i < inv.failures.size(); ++i) out += (i > 0 ? "; " : "") + inv.failures[i];
  out += "; got status " + std::to_string(inv.status);
  if (!inv.function_error.empty()) out += ", FunctionError " + inv.function_error;
  out += ", latency " + std::to_string(inv.latency.count()) + " ms, response " +
         (inv.response.empty() ? std::string("(empty)") : inv.response) +
         (inv.response_truncated ? " (truncated)" : "");
  return out;
}

std::string_view HookPointName(HookPoint point) {
  return point == HookPoint::kPostTraffic ? "postTraffic" : "preTraffic";
}

}  // namespace ferry::lambda
