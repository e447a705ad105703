#include "aws/waiter.h"

#include <mutex>

#include "aws/lambda_client.h"
#include "aws/service_client.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strings.h"

namespace ferry::aws {
namespace internal {
extern const std::string_view kLambdaWaitersJson;
}  // namespace internal

namespace {

struct PathSegment {
  std::string name;
  bool project = false;  // name[]
};

// Parses the supported JMESPath subset; nullopt for anything else.
std::optional<std::vector<PathSegment>> ParsePath(std::string_view path) {
  if (path.empty()) return std::nullopt;
  std::vector<PathSegment> segments;
  for (const std::string& part : Split(path, '.')) {
    PathSegment segment;
    std::string_view name = part;
    if (name.size() >= 2 && name.substr(name.size() - 2) == "[]") {
      segment.project = true;
      name.remove_suffix(2);
    }
    if (name.empty()) return std::nullopt;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
    }
    segment.name = std::string(name);
    segments.push_back(std::move(segment));
  }
  return segments;
}

// JMESPath semantics for the subset: missing members give null; a projection maps the rest of
// the expression over the list and drops nulls.
Json Evaluate(const Json& value, const std::vector<PathSegment>& path, size_t index = 0) {
  if (index == path.size()) return value;
  if (!value.is_object()) return nullptr;
  auto it = value.find(path[index].name);
  if (it == value.end()) return nullptr;
  if (!path[index].project) return Evaluate(*it, path, index + 1);
  if (!it->is_array()) return nullptr;
  Json out = Json::array();
  for (const Json& item : *it) {
    Json v = Evaluate(item, path, index + 1);
    if (!v.is_null()) out.push_back(std::move(v));
  }
  return out;
}

Result<WaiterMatcher> ParseMatcher(const std::string& name) {
  if (name == "path") return WaiterMatcher::kPath;
  if (name == "pathAll") return WaiterMatcher::kPathAll;
  if (name == "pathAny") return WaiterMatcher::kPathAny;
  if (name == "status") return WaiterMatcher::kStatus;
  if (name == "error") return WaiterMatcher::kError;
  return InvalidArgument("waiter: unsupported matcher " + QuoteForMessage(name));
}

Result<WaiterState> ParseState(const std::string& name) {
  if (name == "success") return WaiterState::kSuccess;
  if (name == "failure") return WaiterState::kFailure;
  if (name == "retry") return WaiterState::kRetry;
  return InvalidArgument("waiter: unsupported state " + QuoteForMessage(name));
}

bool Matches(const WaiterAcceptor& acceptor, const Json& expected, const Result<std::string>& poll,
             const Json* body) {
  switch (acceptor.matcher) {
    case WaiterMatcher::kError: {
      if (poll.ok()) return expected.is_boolean() && !expected.get<bool>();
      const std::string code = AwsCode(poll.error());
      if (expected.is_boolean()) return expected.get<bool>() && !code.empty();
      return expected.is_string() && !code.empty() && code == expected.get<std::string>();
    }
    case WaiterMatcher::kStatus: {
      const int status = poll.ok() ? 200 : AwsHttpStatus(poll.error());
      return expected.is_number_integer() && status != 0 && status == expected.get<int>();
    }
    case WaiterMatcher::kPath:
    case WaiterMatcher::kPathAll:
    case WaiterMatcher::kPathAny: {
      if (body == nullptr) return false;
      const Json value = Evaluate(*body, *ParsePath(acceptor.argument));
      if (acceptor.matcher == WaiterMatcher::kPath) return value == expected;
      if (!value.is_array() || value.empty()) return false;
      bool all = true, any = false;
      for (const Json& item : value) {
        all = all && item == expected;
        any = any || item == expected;
      }
      return acceptor.matcher == WaiterMatcher::kPathAll ? all : any;
    }
  }
  return false;
}

}  // namespace

Result<std::map<std::string, WaiterDefinition>> ParseWaiterDefinitions(std::string_view text) {
  FERRY_ASSIGN_OR_RETURN(Json doc, ParseJson(text, JsonLimits{1 << 20, 16}));
  auto bad = [](std::string what) { return InvalidArgument("waiter definitions: " + what); };
  if (!doc.is_object() || !doc.contains("waiters") || !doc["waiters"].is_object()) {
    return bad("no \"waiters\" object");
  }
  if (doc.value("version", 0) != 2) return bad("only version 2 is supported");
  std::map<std::string, WaiterDefinition> out;
  for (auto it = doc["waiters"].begin(); it != doc["waiters"].end(); ++it) {
    const Json& w = it.value();
    WaiterDefinition def;
    def.name = it.key();
    if (!w.is_object() || !w.contains("operation") || !w["operation"].is_string() ||
        !w.contains("delay") || !w["delay"].is_number_integer() || !w.contains("maxAttempts") ||
        !w["maxAttempts"].is_number_integer() || !w.contains("acceptors") ||
        !w["acceptors"].is_array()) {
      return bad(def.name + " lacks operation, delay, maxAttempts or acceptors");
    }
    def.operation = w["operation"].get<std::string>();
    const int64_t delay_seconds = w["delay"].get<int64_t>();
    def.max_attempts = w["maxAttempts"].get<int>();
    if (delay_seconds < 0 || delay_seconds > 3600 || def.max_attempts < 1) {
      return bad(def.name + " has an out-of-range delay or maxAttempts");
    }
    def.delay = std::chrono::seconds(delay_seconds);
    for (const Json& a : w["acceptors"]) {
      if (!a.is_object() || !a.contains("matcher") || !a["matcher"].is_string() ||
          !a.contains("state") || !a["state"].is_string() || !a.contains("expected")) {
        return bad(def.name + " has a malformed acceptor");
      }
      WaiterAcceptor acceptor;
      FERRY_ASSIGN_OR_RETURN(acceptor.matcher, ParseMatcher(a["matcher"].get<std::string>()));
      FERRY_ASSIGN_OR_RETURN(acceptor.state, ParseState(a["state"].get<std::string>()));
      acceptor.expected_json = DumpJson(a["expected"]);
      if (a.contains("argument")) {
        if (!a["argument"].is_string()) return bad(def.name + " has a non-string argument");
        acceptor.argument = a["argument"].get<std::string>();
      }
      const bool is_path = acceptor.matcher == WaiterMatcher::kPath ||
                           acceptor.matcher == WaiterMatcher::kPathAll ||
                           acceptor.matcher == WaiterMatcher::kPathAny;
      if (is_path && !ParsePath(acceptor.argument).has_value()) {
        return bad(def.name + ": unsupported path expression " +
                   QuoteForMessage(acceptor.argument));
      }
      def.acceptors.push_back(std::move(acceptor));
    }
    out.emplace(def.name, std::move(def));
  }
  return out;
}

Result<WaiterDefinition> LambdaWaiterDefinition(std::string_view name) {
  static const Result<std::map<std::string, WaiterDefinition>>* definitions = [] {
    return new Result<std::map<std::string, WaiterDefinition>>(
        ParseWaiterDefinitions(internal::kLambdaWaitersJson));
  }();
  if (!definitions->ok()) return definitions->error();  // a build defect; tested
  auto it = (*definitions)->find(std::string(name));
  if (it == (*definitions)->end()) {
    return NotFound("no Lambda waiter named " + QuoteForMessage(name));
  }
  return it->second;
}

Result<std::string> RunWaiter(const WaiterDefinition& waiter, const WaiterPoll& poll, Clock& clock,
                              std::stop_token stop) {
  std::vector<Json> expected;
  for (const auto& a : waiter.acceptors) {
    auto parsed = ParseJson(a.expected_json);
    if (!parsed.ok()) return parsed.error().WithContext("waiter " + waiter.name);
    expected.push_back(std::move(parsed).value());
  }
  for (int attempt = 1;; ++attempt) {
    Result<std::string> result = poll();
    std::optional<Json> body;
    if (result.ok()) {
      auto parsed = ParseJson(*result, JsonLimits{16 * 1024 * 1024, 64});
      if (parsed.ok()) body = std::move(parsed).value();
    }
    std::optional<WaiterState> state;
    for (size_t i = 0; i < waiter.acceptors.size() && !state; ++i) {
      if (Matches(waiter.acceptors[i], expected[i], result, body ? &*body : nullptr)) {
        state = waiter.acceptors[i].state;
      }
    }
    if (state == WaiterState::kSuccess) return result.ok() ? *result : std::string();
    if (state == WaiterState::kFailure) {
      Error error =
          FailedPrecondition(StrCat({"waiter ", waiter.name, " reached a failure state"}));
      if (!result.ok()) error.message += ": " + result.error().message;
      error.details["waiter"] = waiter.name;
      return error;
    }
    if (!state.has_value() && !result.ok()) return result.error();
    if (attempt >= waiter.max_attempts) {
      return Error{ErrorCode::kDeadlineExceeded,
                   StrCat({"waiter ", waiter.name, " gave up after ",
                           std::to_string(waiter.max_attempts), " attempts"})};
    }
    if (!clock.SleepFor(waiter.delay, stop)) {
      return Error{ErrorCode::kCancelled, StrCat({"waiter ", waiter.name, " cancelled"})};
    }
  }
}

Status WaitForLambda(LambdaClient& client, std::string_view waiter_name,
                     const std::string& function_name, const std::string& qualifier, Clock& clock,
                     std::stop_token stop) {
  FERRY_ASSIGN_OR_RETURN(WaiterDefinition waiter, LambdaWaiterDefinition(waiter_name));
  auto result = RunWaiter(
      waiter, [&]() { return client.GetRaw(waiter.operation, function_name, qualifier, stop); },
      clock, stop);
  if (!result.ok()) return result.error();
  return Ok();
}

}  // namespace ferry::aws
