// Generic validation of a bound input against the model, producing AWS's front-end messages:
//   "2 validation errors detected: Value 'python2.7x' at 'runtime' failed to satisfy constraint:
//    Member must satisfy enum value set: [...]; Value '100000' at 'memorySize' ..."
// Wrong JSON types are SerializationException, as AWS's deserializer reports them first.
#include <cmath>
#include <mutex>
#include <optional>
#include <regex>

#include "sandbox/lambda/model.h"

namespace ferry::sandbox::lambda {
namespace {

// Patterns are Java regexes; ECMAScript covers all but lookbehind, which we skip (nullopt).
const std::regex* CompiledPattern(const std::string& pattern) {
  static std::mutex mu;
  static std::map<std::string, std::optional<std::regex>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(pattern);
  if (it == cache.end()) {
    std::optional<std::regex> compiled;
    if (pattern.find("(?<") == std::string::npos) {
      try {
        compiled.emplace(pattern, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error&) {
        compiled.reset();
      }
    }
    it = cache.emplace(pattern, std::move(compiled)).first;
  }
  return it->second ? &*it->second : nullptr;
}

std::string CamelPath(const std::string& parent, const std::string& member) {
  std::string name = member;
  if (!name.empty()) name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
  return parent.empty() ? name : parent + "." + name;
}

class Validator {
 public:
  explicit Validator(const LambdaModel& model) : model_(model) {}

  bool Run(const std::string& shape_name, const Json& value, InputError& error) {
    Check(shape_name, value, "");
    if (!serialization_.empty()) {
      error = {"SerializationException", serialization_};
      return false;
    }
    if (problems_.empty()) return true;
    std::string message =
        std::to_string(problems_.size()) +
        (problems_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < problems_.size(); ++i) {
      if (i > 0) message += "; ";
      message += problems_[i];
    }
    error = {"ValidationException", message};
    return false;
  }

 private:
  void Problem(const Json& shape, const Json& value, const std::string& path,
               const std::string& constraint) {
    std::string shown;
    if (value.is_null()) {
      shown = "null";
    } else if (shape.value("sensitive", false)) {
      shown = "'***'";
    } else if (value.is_string()) {
      std::string text = value.get<std::string>();
      if (text.size() > 256) text = text.substr(0, 256) + "...";
      shown = "'" + text + "'";
    } else {
      shown = "'" + value.dump() + "'";
    }
    problems_.push_back("Value " + shown + " at '" + path +
                        "' failed to satisfy constraint: " + constraint);
  }

  void TypeMismatch(const std::string& path, const std::string& expected) {
    if (serialization_.empty()) {
      serialization_ = "Expected " + expected + " for '" + (path.empty() ? "body" : path) + "'";
    }
  }

  void Check(const std::string& shape_name, const Json& value, const std::string& path) {
    const Json& shape = model_.Shape(shape_name);
    std::string type = shape.value("type", "string");
    if (type == "structure") {
      if (!value.is_object()) return TypeMismatch(path, "a structure");
      if (shape.contains("required")) {
        for (const auto& req : shape["required"]) {
          std::string name = req.get<std::string>();
          if (!value.contains(name) || value[name].is_null()) {
            Problem(shape, Json(), CamelPath(path, name), "Member must not be null");
          }
        }
      }
      for (const auto& [name, member] : shape["members"].items()) {
        auto it = value.find(name);
        if (it == value.end() || it->is_null()) continue;
        Check(member["shape"].get<std::string>(), *it, CamelPath(path, name));
      }
    } else if (type == "list") {
      if (!value.is_array()) return TypeMismatch(path, "a list");
      CheckSize(shape, value, path, value.size(), "length");
      for (const auto& item : value) Check(shape["member"]["shape"].get<std::string>(), item, path);
    } else if (type == "map") {
      if (!value.is_object()) return TypeMismatch(path, "a map");
      CheckSize(shape, value, path, value.size(), "length");
      std::string key_shape = shape["key"]["shape"].get<std::string>();
      std::string value_shape = shape["value"]["shape"].get<std::string>();
      for (const auto& [key, item] : value.items()) {
        size_t before = problems_.size();
        Check(key_shape, Json(key), path);
        if (problems_.size() > before) {
          // AWS words key violations as "Map keys must satisfy constraint: [...]".
          std::string inner = problems_.back();
          auto pos = inner.find("failed to satisfy constraint: ");
          problems_.resize(before);
          Problem(shape, value, path,
                  "Map keys must satisfy constraint: [" +
                      inner.substr(pos + std::string("failed to satisfy constraint: ").size()) +
                      "]");
        }
        Check(value_shape, item, path);
      }
    } else if (type == "string") {
      if (!value.is_string()) return TypeMismatch(path, "a string");
      const std::string& text = value.get_ref<const std::string&>();
      bool length_ok = CheckSize(shape, value, path, text.size(), "length");
      if (shape.contains("enum")) {
        bool found = false;
        for (const auto& allowed : shape["enum"]) found = found || allowed == text;
        if (!found) {
          std::string set;
          for (const auto& allowed : shape["enum"]) {
            set += (set.empty() ? "" : ", ") + allowed.get<std::string>();
          }
          Problem(shape, value, path, "Member must satisfy enum value set: [" + set + "]");
        }
      }
      if (length_ok && shape.contains("pattern") && text.size() <= 4096) {
        std::string pattern = shape["pattern"].get<std::string>();
        const std::regex* re = CompiledPattern(pattern);
        if (re != nullptr && !std::regex_match(text, *re)) {
          Problem(shape, value, path, "Member must satisfy regular expression pattern: " + pattern);
        }
      }
    } else if (type == "integer" || type == "long") {
      if (!value.is_number_integer()) return TypeMismatch(path, "an integer");
      CheckRange(shape, value, path, static_cast<double>(value.get<int64_t>()));
    } else if (type == "double" || type == "float") {
      if (!value.is_number()) return TypeMismatch(path, "a number");
      CheckRange(shape, value, path, value.get<double>());
    } else if (type == "boolean") {
      if (!value.is_boolean()) return TypeMismatch(path, "a boolean");
    } else if (type == "blob") {
      if (!value.is_string()) return TypeMismatch(path, "base64 text");
    } else if (type == "timestamp") {
      if (!value.is_string() && !value.is_number()) return TypeMismatch(path, "a timestamp");
    }
  }

  bool CheckSize(const Json& shape, const Json& value, const std::string& path, size_t size,
                 const char* what) {
    if (shape.contains("min") && static_cast<double>(size) < shape["min"].get<double>()) {
      Problem(shape, value, path,
              std::string("Member must have ") + what + " greater than or equal to " +
                  std::to_string(shape["min"].get<int64_t>()));
      return false;
    }
    if (shape.contains("max") && static_cast<double>(size) > shape["max"].get<double>()) {
      Problem(shape, value, path,
              std::string("Member must have ") + what + " less than or equal to " +
                  std::to_string(shape["max"].get<int64_t>()));
      return false;
    }
    return true;
  }

  void CheckRange(const Json& shape, const Json& value, const std::string& path, double v) {
    auto bound = [](const Json& b) {
      double d = b.get<double>();
      return d == std::floor(d) ? std::to_string(static_cast<int64_t>(d)) : b.dump();
    };
    if (shape.contains("min") && v < shape["min"].get<double>()) {
      Problem(shape, value, path,
              "Member must have value greater than or equal to " + bound(shape["min"]));
    } else if (shape.contains("max") && v > shape["max"].get<double>()) {
      Problem(shape, value, path,
              "Member must have value less than or equal to " + bound(shape["max"]));
    }
  }

  const LambdaModel& model_;
  std::vector<std::string> problems_;
  std::string serialization_;
};

}  // namespace

bool LambdaModel::Validate(const std::string& shape, const Json& value, InputError& error) const {
  return Validator(*this).Run(shape, value, error);
}

}  // namespace ferry::sandbox::lambda
