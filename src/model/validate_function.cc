// Validation of Lambda function specs against Lambda's own limits (model/lambda_limits.h).
#include <algorithm>
#include <set>

#include "common/strings.h"
#include "model/enums.h"
#include "model/lambda_limits.h"
#include "model/validate.h"

namespace ferry::model {
namespace {

// Variables Lambda sets itself and refuses in a function's configuration.
const std::set<std::string, std::less<>> kReservedEnvironmentVariables = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

constexpr size_t kMaxEnvironmentBytes = 4096;  // Lambda's quota for all variables together

void Range(const std::optional<int64_t>& value, int64_t min, int64_t max, const std::string& path,
           std::string_view unit, Problems& problems) {
  if (!value || (*value >= min && *value <= max)) return;
  problems.push_back({path, "must be between " + std::to_string(min) + " and " +
                                std::to_string(max) + " " + std::string(unit) + ", got " +
                                std::to_string(*value)});
}

// A function-name template: literal parts must be valid name characters.
std::string CheckFunctionNameTemplate(std::string_view value) {
  std::string literal;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 2, "${") == 0) {
      size_t end = value.find('}', i);
      if (end == std::string_view::npos) return "";  // the template checker reports it
      i = end;
      continue;
    }
    literal.push_back(value[i]);
  }
  for (char c : literal) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return "contains " + QuoteForMessage(std::string(1, c)) +
             "; Lambda function names allow only letters, digits, '-' and '_'";
    }
  }
  return "";
}

}  // namespace

void ValidateFunctionFields(const FunctionSpec& spec, const std::string& path, bool complete,
                            Problems& problems) {
  auto at = [&](std::string_view key) { return JoinPath(path, key); };
  if (spec.function_name) {
    std::string why = HasTemplate(*spec.function_name)
                          ? CheckFunctionNameTemplate(*spec.function_name)
                          : lambda::CheckFunctionName(*spec.function_name);
    if (!why.empty()) problems.push_back({at("functionName"), why});
  }
  bool image = spec.package_type == PackageType::kImage;
  if (spec.runtime && !HasTemplate(*spec.runtime)) {
    if (image) {
      problems.push_back({at("runtime"), "must not be set when packageType is Image"});
    } else if (!lambda::IsKnownRuntime(*spec.runtime)) {
      std::string message = "unknown Lambda runtime " + QuoteForMessage(*spec.runtime);
      if (auto match = ClosestMatch(*spec.runtime, lambda::Runtimes())) {
        message += "; did you mean '" + *match + "'?";
      }
      problems.push_back({at("runtime"), message});
    }
  }
  if (spec.handler && !HasTemplate(*spec.handler)) {
    if (image) {
      problems.push_back({at("handler"), "must not be set when packageType is Image"});
    } else if (spec.handler->size() > lambda::kMaxHandlerLength) {
      problems.push_back({at("handler"), "is longer than 128 characters"});
    } else if (spec.handler->empty() ||
               !lambda::MatchesPattern(lambda::kHandlerPattern, *spec.handler)) {
      problems.push_back({at("handler"), "must be non-empty and contain no whitespace"});
    }
  }
  if (complete && !image) {
    if (!spec.runtime) problems.push_back({path, "missing 'runtime' (required for Zip packages)"});
    if (!spec.handler) problems.push_back({path, "missing 'handler' (required for Zip packages)"});
  }
  Range(spec.memory, lambda::kMinMemoryMb, lambda::kMaxMemoryMb, at("memory"), "MB", problems);
  Range(spec.timeout, lambda::kMinTimeoutSeconds, lambda::kMaxTimeoutSeconds, at("timeout"),
        "seconds", problems);
  Range(spec.ephemeral_storage, lambda::kMinEphemeralStorageMb, lambda::kMaxEphemeralStorageMb,
        at("ephemeralStorage"), "MB", problems);
  if (spec.architectures) {
    if (spec.architectures->size() != lambda::kMaxArchitectures) {
      problems.push_back({at("architectures"), "must list exactly one architecture"});
    }
    for (size_t i = 0; i < spec.architectures->size(); ++i) {
      const std::string& arch = (*spec.architectures)[i];
      if (std::find(lambda::kArchitectures.begin(), lambda::kArchitectures.end(), arch) ==
          lambda::kArchitectures.end()) {
        std::string message =
            "unknown architecture " + QuoteForMessage(arch) + "; expected x86_64 or arm64";
        problems.push_back({JoinPath(at("architectures"), i), message});
      }
    }
  }
  if (spec.layers) {
    if (image && !spec.layers->empty()) {
      problems.push_back({at("layers"), "must not be set when packageType is Image"});
    }
    if (spec.layers->size() > lambda::kMaxLayers) {
      problems.push_back({at("layers"), "Lambda allows at most 5 layers"});
    }
    for (size_t i = 0; i < spec.layers->size(); ++i) {
      const std::string& layer = (*spec.layers)[i];
      if (!HasTemplate(layer) && !lambda::MatchesPattern(lambda::kLayerVersionArnPattern, layer)) {
        problems.push_back({JoinPath(at("layers"), i),
                            "must be a layer version ARN "
                            "(arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"});
      }
    }
  }
  if (spec.description && spec.description->size() > lambda::kMaxDescriptionLength) {
    problems.push_back({at("description"), "is longer than 256 characters"});
  }
  if (spec.environment) {
    size_t bytes = 0;
    bool templated = false;
    for (const auto& [name, value] : *spec.environment) {
      std::string key_path = JoinPath(at("environment"), name);
      bytes += name.size() + value.size();
      templated = templated || HasTemplate(value);
      if (!lambda::MatchesPattern(lambda::kEnvironmentVariableNamePattern, name)) {
        problems.push_back({key_path,
                            "environment variable names must start with a letter and contain "
                            "only letters, digits and '_' (at least 2 characters)",
                            true});
      } else if (kReservedEnvironmentVariables.contains(name)) {
        problems.push_back({key_path, "is reserved by Lambda", true});
      }
    }
    if (!templated && bytes > kMaxEnvironmentBytes) {
      problems.push_back({at("environment"), "variables total " + std::to_string(bytes) +
                                                 " bytes; Lambda allows 4 KB"});
    }
  }
  if (spec.dead_letter_target && !HasTemplate(*spec.dead_letter_target)) {
    const std::string& arn = *spec.dead_letter_target;
    if (arn.rfind("arn:", 0) != 0 ||
        (arn.find(":sqs:") == std::string::npos && arn.find(":sns:") == std::string::npos)) {
      problems.push_back({at("deadLetterTarget"), "must be the ARN of an SQS queue or SNS topic"});
    }
  }
  if (spec.kms_key && !HasTemplate(*spec.kms_key)) {
    if (!lambda::MatchesPattern(lambda::kResourceArnPattern, *spec.kms_key) ||
        spec.kms_key->find(":kms:") == std::string::npos) {
      problems.push_back({at("kmsKey"), "must be a KMS key ARN (arn:aws:kms:...)"});
    }
  }
  if (spec.tags) {
    for (const auto& [key, value] : *spec.tags) {
      std::string key_path = JoinPath(at("tags"), key);
      if (key.empty() || key.size() > 128) {
        problems.push_back({key_path, "tag keys must be 1 to 128 characters", true});
      } else if (key.rfind("aws:", 0) == 0) {
        problems.push_back({key_path, "tag keys starting with 'aws:' are reserved", true});
      }
      if (value.size() > 256)
        problems.push_back({key_path, "tag values are at most 256 characters"});
    }
  }
  if (spec.aliases) {
    std::set<std::string> seen;
    for (size_t i = 0; i < spec.aliases->size(); ++i) {
      const std::string& alias = (*spec.aliases)[i];
      std::string alias_path = JoinPath(at("aliases"), i);
      if (!HasTemplate(alias)) {
        if (std::string why = lambda::CheckAliasName(alias); !why.empty()) {
          problems.push_back({alias_path, why});
        }
      }
      if (!seen.insert(alias).second) {
        problems.push_back({alias_path, "duplicate alias " + QuoteForMessage(alias)});
      }
    }
  }
}

}  // namespace ferry::model
