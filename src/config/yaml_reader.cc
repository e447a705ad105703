#include "config/yaml_reader.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include "common/json.h"
#include "common/strings.h"
#include "model/problem.h"

namespace ferry::config {
namespace {

SourcePosition ToPosition(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

class Converter {
 public:
  Converter(const YamlLimits& limits, YamlDocument& doc, std::vector<YamlProblem>& problems)
      : limits_(limits), doc_(doc), problems_(problems) {}

  // Returns false when a limit stopped the conversion.
  bool Convert(const YAML::Node& node, const std::string& path, SourcePosition key_pos, int depth,
               Json& out) {
    if (++nodes_ > limits_.max_nodes) {
      if (!limit_reported_) {
        problems_.push_back({ToPosition(node.Mark()),
                             "document expands to more than " + std::to_string(limits_.max_nodes) +
                                 " values (aliases expanding exponentially?)"});
        limit_reported_ = true;
      }
      return false;
    }
    if (depth > limits_.max_depth) {
      problems_.push_back({ToPosition(node.Mark()),
                           "nesting deeper than " + std::to_string(limits_.max_depth) + " levels"});
      return false;
    }
    SourcePosition pos = ToPosition(node.Mark());
    doc_.positions.emplace(
        path, NodePosition{key_pos.line ? key_pos : pos, pos, node.IsMap() || node.IsSequence()});
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = nullptr;
        return true;
      case YAML::NodeType::Scalar:
        if (!CountBytes(node, node.Scalar().size())) return false;
        out = Scalar(node);
        return true;
      case YAML::NodeType::Sequence: {
        out = Json::array();
        size_t i = 0;
        for (const YAML::Node& item : node) {
          Json value;
          std::string item_path = model::JoinPath(path, i++);
          if (!Convert(item, item_path, {}, depth + 1, value)) return false;
          out.push_back(std::move(value));
        }
        return true;
      }
      case YAML::NodeType::Map: {
        out = Json::object();
        for (auto it = node.begin(); it != node.end(); ++it) {
          // Copies: the iterator's operator-> returns a temporary proxy, so a reference to
          // it->first would dangle.
          const YAML::Node key = it->first;
          const YAML::Node item = it->second;
          SourcePosition kpos = ToPosition(key.Mark());
          if (!key.IsScalar()) {
            problems_.push_back({kpos, "mapping keys must be plain strings"});
            continue;
          }
          const std::string& name = key.Scalar();
          if (!CountBytes(key, name.size())) return false;
          if (out.contains(name)) {
            problems_.push_back({kpos, "duplicate key " + QuoteForMessage(name) +
                                           " (first at line " +
                                           std::to_string(FirstKeyLine(path, name)) + ")"});
            continue;
          }
          Json value;
          if (!Convert(item, model::JoinPath(path, name), kpos, depth + 1, value)) {
            return false;
          }
          out[name] = std::move(value);
        }
        return true;
      }
    }
    return true;
  }

 private:
  // False (reported once) when the document's text, aliases expanded, is over max_bytes.
  bool CountBytes(const YAML::Node& node, size_t n) {
    bytes_ += n;
    if (bytes_ <= limits_.max_bytes) return true;
    if (!limit_reported_) {
      problems_.push_back({ToPosition(node.Mark()),
                           "document expands to more than " + std::to_string(limits_.max_bytes) +
                               " bytes of text (an alias of a long value repeated?)"});
      limit_reported_ = true;
    }
    return false;
  }

  static Json Scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "?") return ResolvePlainScalar(text);
    return text;  // "!" (quoted or block scalar) and explicit tags stay strings
  }

  int FirstKeyLine(const std::string& path, const std::string& name) const {
    auto it = doc_.positions.find(model::JoinPath(path, name));
    return it == doc_.positions.end() ? 0 : it->second.key.line;
  }

  const YamlLimits& limits_;
  YamlDocument& doc_;
  std::vector<YamlProblem>& problems_;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
  bool limit_reported_ = false;
};

}  // namespace

Json ResolvePlainScalar(std::string_view text) {
  static const std::set<std::string_view> kNull = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string_view> kTrue = {"true", "True", "TRUE"};
  static const std::set<std::string_view> kFalse = {"false", "False", "FALSE"};
  if (kNull.contains(text)) return nullptr;
  if (kTrue.contains(text)) return true;
  if (kFalse.contains(text)) return false;
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kHex("0x[0-9a-fA-F]+");
  static const std::regex kOct("0o[0-7]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex kInf(R"([-+]?\.(inf|Inf|INF))");
  static const std::regex kNan(R"(\.(nan|NaN|NAN))");
  std::string s(text);
  if (std::regex_match(s, kInt)) {
    if (auto n = ParseInt(s[0] == '+' ? s.substr(1) : s)) return *n;
    return s;  // out of range: keep the text so the type error names it
  }
  if (std::regex_match(s, kHex)) {
    try {
      return static_cast<int64_t>(std::stoll(s.substr(2), nullptr, 16));
    } catch (const std::exception&) {
      return s;
    }
  }
  if (std::regex_match(s, kOct)) {
    try {
      return static_cast<int64_t>(std::stoll(s.substr(2), nullptr, 8));
    } catch (const std::exception&) {
      return s;
    }
  }
  if (std::regex_match(s, kFloat)) {
    if (auto d = ParseDouble(s[0] == '+' ? s.substr(1) : s)) return *d;
  }
  // JSON has no infinity or NaN; such values stay strings, which every numeric field rejects.
  if (std::regex_match(s, kInf) || std::regex_match(s, kNan)) return s;
  return s;
}

YamlParse ParseYaml(std::string_view text, const YamlLimits& limits) {
  YamlParse result;
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's message without its "yaml-cpp: error at line..." prefix.
    result.problems.push_back({ToPosition(e.mark), "malformed YAML: " + e.msg});
    return result;
  } catch (const std::exception& e) {
    result.problems.push_back({{}, std::string("malformed YAML: ") + e.what()});
    return result;
  }
  for (const YAML::Node& node : nodes) {
    if (node.IsNull()) continue;
    YamlDocument doc;
    doc.value = std::make_unique<Json>();
    doc.start = ToPosition(node.Mark());
    Converter converter(limits, doc, result.problems);
    if (!converter.Convert(node, "", {}, 0, *doc.value)) *doc.value = nullptr;
    result.documents.push_back(std::move(doc));
  }
  return result;
}

}  // namespace ferry::config
