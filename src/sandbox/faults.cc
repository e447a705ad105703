#include "sandbox/faults.h"

#include "common/json.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::sandbox {
namespace {

bool ValidToken(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '*' || c == '.' || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

Status CheckRule(const FaultRule& rule) {
  if (!ValidToken(rule.service)) return InvalidArgument("fault service must be a name or '*'");
  if (!ValidToken(rule.operation)) return InvalidArgument("fault op must be a name or '*'");
  if (!(rule.rate >= 0.0 && rule.rate <= 1.0)) {
    return InvalidArgument("fault rate must be between 0 and 1");
  }
  if (!rule.code.empty() && !ValidToken(rule.code)) {
    return InvalidArgument("fault code must be an AWS error code such as ServiceException");
  }
  if (rule.status != 0 && (rule.status < 400 || rule.status > 599)) {
    return InvalidArgument("fault status must be between 400 and 599");
  }
  if (rule.latency.count() < 0 || rule.latency > std::chrono::minutes(5)) {
    return InvalidArgument("fault latency must be between 0 and 5m");
  }
  if (!rule.outcome.empty()) {
    if (rule.outcome != "state-failed") {
      return InvalidArgument("fault outcome " + QuoteForMessage(rule.outcome) +
                             " is unknown (expected state-failed)");
    }
    if (!rule.code.empty()) return InvalidArgument("a fault has a code or an outcome, not both");
    if (rule.operation != "CreateFunction" && rule.operation != "UpdateFunctionCode" &&
        rule.operation != "UpdateFunctionConfiguration") {
      return InvalidArgument(
          "outcome state-failed applies to op CreateFunction, UpdateFunctionCode or "
          "UpdateFunctionConfiguration");
    }
    if (rule.service != "*" && rule.service != "lambda") {
      return InvalidArgument("outcome state-failed applies to service lambda");
    }
  } else if (rule.code.empty() && rule.latency.count() == 0) {
    return InvalidArgument("a fault needs a code, a latency, an outcome, or a combination");
  }
  return Ok();
}

Status SetOperation(FaultRule& rule, std::string_view value) {
  auto colon = value.find(':');
  if (colon == std::string_view::npos) {
    rule.operation = std::string(value);
  } else {
    rule.service = std::string(value.substr(0, colon));
    rule.operation = std::string(value.substr(colon + 1));
  }
  return Ok();
}

}  // namespace

int DefaultStatusForCode(std::string_view code) {
  if (code == "TooManyRequestsException" || code == "ThrottlingException" || code == "Throttling" ||
      code == "SlowDown" || code == "RequestLimitExceeded") {
    return code == "SlowDown" ? 503 : (code == "Throttling" ? 400 : 429);
  }
  if (code == "ServiceException" || code == "InternalError" || code == "InternalFailure" ||
      code == "InternalServiceError" || code == "EC2UnexpectedException") {
    return 500;
  }
  if (code == "ServiceUnavailable" || code == "ServiceUnavailableException" ||
      code == "ResourceNotReadyException") {
    return 503;
  }
  if (code == "ResourceNotFoundException" || code == "NoSuchKey" || code == "NoSuchBucket") {
    return 404;
  }
  if (code == "ResourceConflictException") return 409;
  if (code == "PreconditionFailedException") return 412;
  if (code == "AccessDenied" || code == "AccessDeniedException") return 403;
  return 400;
}

Result<FaultRule> ParseFaultRule(std::string_view spec) {
  FaultRule rule;
  // Shorthand "CreateFunction:state-failed".
  if (spec.find('=') == std::string_view::npos && spec.ends_with(":state-failed")) {
    rule.operation =
        std::string(spec.substr(0, spec.size() - std::string_view(":state-failed").size()));
    rule.outcome = "state-failed";
    FERRY_RETURN_IF_ERROR(CheckRule(rule));
    return rule;
  }
  for (const std::string& part : Split(spec, ',')) {
    auto eq = part.find('=');
    if (eq == std::string::npos) {
      return InvalidArgument("fault spec part " + QuoteForMessage(part) + " is not key=value");
    }
    std::string key(Trim(std::string_view(part).substr(0, eq)));
    std::string value(Trim(std::string_view(part).substr(eq + 1)));
    if (key == "op" || key == "operation") {
      FERRY_RETURN_IF_ERROR(SetOperation(rule, value));
    } else if (key == "service") {
      rule.service = value;
    } else if (key == "rate") {
      auto rate = ParseDouble(value);
      if (!rate)
        return InvalidArgument("fault rate " + QuoteForMessage(value) + " is not a number");
      rule.rate = *rate;
    } else if (key == "code") {
      rule.code = value;
    } else if (key == "status") {
      auto status = ParseInt(value);
      if (!status)
        return InvalidArgument("fault status " + QuoteForMessage(value) + " is not a number");
      rule.status = static_cast<int>(*status);
    } else if (key == "latency") {
      auto latency = value == "0" ? std::optional<Duration>(Duration(0)) : ParseDuration(value);
      if (!latency) {
        return InvalidArgument("fault latency " + QuoteForMessage(value) +
                               " is not a duration such as 200ms or 1s");
      }
      rule.latency = *latency;
    } else if (key == "message") {
      rule.message = value;
    } else if (key == "outcome") {
      rule.outcome = value;
    } else {
      return InvalidArgument(
          "unknown fault key " + QuoteForMessage(key) +
          " (expected op, service, rate, code, status, latency, message, outcome)");
    }
  }
  FERRY_RETURN_IF_ERROR(CheckRule(rule));
  return rule;
}

Result<FaultRule> FaultRuleFromJson(const Json& json) {
  if (!json.is_object()) return InvalidArgument("a fault must be a JSON object");
  FaultRule rule;
  FERRY_ASSIGN_OR_RETURN(auto op, OptionalString(json, "op"));
  if (op) FERRY_RETURN_IF_ERROR(SetOperation(rule, *op));
  FERRY_ASSIGN_OR_RETURN(auto service, OptionalString(json, "service"));
  if (service) rule.service = *service;
  auto rate = json.find("rate");
  if (rate != json.end()) {
    if (!rate->is_number()) return InvalidArgument("field 'rate' must be a number");
    rule.rate = rate->get<double>();
  }
  FERRY_ASSIGN_OR_RETURN(auto code, OptionalString(json, "code"));
  if (code) rule.code = *code;
  FERRY_ASSIGN_OR_RETURN(auto status, OptionalInt(json, "status"));
  if (status) rule.status = static_cast<int>(*status);
  FERRY_ASSIGN_OR_RETURN(auto latency_ms, OptionalInt(json, "latency_ms"));
  if (latency_ms) rule.latency = std::chrono::milliseconds(*latency_ms);
  FERRY_ASSIGN_OR_RETURN(auto message, OptionalString(json, "message"));
  if (message) rule.message = *message;
  FERRY_ASSIGN_OR_RETURN(auto outcome, OptionalString(json, "outcome"));
  if (outcome) rule.outcome = *outcome;
  FERRY_RETURN_IF_ERROR(CheckRule(rule));
  return rule;
}

Json FaultRuleToJson(const FaultRule& rule) {
  Json j = {{"service", rule.service},
            {"op", rule.operation},
            {"rate", rule.rate},
            {"latency_ms", rule.latency.count()}};
  if (!rule.code.empty()) {
    j["code"] = rule.code;
    j["status"] = rule.status != 0 ? rule.status : DefaultStatusForCode(rule.code);
  }
  if (!rule.message.empty()) j["message"] = rule.message;
  if (!rule.outcome.empty()) j["outcome"] = rule.outcome;
  return j;
}

FaultInjector::FaultInjector(uint64_t seed) : rng_(seed) {}

void FaultInjector::Add(FaultRule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back(std::move(rule));
}

void FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

std::vector<FaultRule> FaultInjector::Rules() const {
  std::lock_guard lock(mu_);
  return rules_;
}

void FaultInjector::Reseed(uint64_t seed) {
  std::lock_guard lock(mu_);
  rng_.seed(seed);
}

FaultDecision FaultInjector::Decide(std::string_view service, std::string_view operation) {
  FaultDecision decision;
  std::lock_guard lock(mu_);
  for (const FaultRule& rule : rules_) {
    if (rule.service != "*" && rule.service != service) continue;
    if (rule.operation != "*" && rule.operation != operation) continue;
    // One draw per matching rule keeps the sequence reproducible for a given seed and order.
    double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    if (draw >= rule.rate) continue;
    decision.latency += rule.latency;
    if (!rule.outcome.empty() && decision.outcome.empty()) {
      decision.outcome = rule.outcome;
      decision.outcome_message = rule.message;
    }
    if (!rule.code.empty() && !decision.error) {
      decision.error = rule;
      if (decision.error->status == 0) decision.error->status = DefaultStatusForCode(rule.code);
    }
  }
  return decision;
}

}  // namespace ferry::sandbox
