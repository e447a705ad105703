#include "config/export.h"

#include <yaml-cpp/yaml.h>

#include "common/json.h"
#include "config/yaml_reader.h"
#include "model/json_codec.h"

namespace ferry::config {
namespace {

bool NeedsQuotes(const std::string& s) {
  if (!ResolvePlainScalar(s).is_string()) return true;
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return true;
  // Characters that start YAML syntax, or "#"/": " inside, need quoting; yaml-cpp checks most,
  // but templates ("${...}") and flow characters are quoted explicitly for readability.
  return s.find_first_of("{}[],&*#?|<>=!%@`'\"") == 0 || s.find("${") != std::string::npos ||
         s.find(": ") != std::string::npos || s.find(" #") != std::string::npos;
}

void Emit(YAML::Emitter& out, const Json& j, bool top);

void EmitKeyValue(YAML::Emitter& out, const std::string& key, const Json& value) {
  out << YAML::Key << key << YAML::Value;
  Emit(out, value, false);
}

void Emit(YAML::Emitter& out, const Json& j, bool top) {
  switch (j.type()) {
    case Json::value_t::object: {
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      static const char* kFirst[] = {"kind", "application", "name"};
      for (const char* key : kFirst) {
        if (j.contains(key) && (top || std::string_view(key) == "name")) {
          EmitKeyValue(out, key, j.at(key));
        }
      }
      for (auto it = j.begin(); it != j.end(); ++it) {
        bool first =
            it.key() == "name" || (top && (it.key() == "kind" || it.key() == "application"));
        if (!first) EmitKeyValue(out, it.key(), it.value());
      }
      out << YAML::EndMap;
      return;
    }
    case Json::value_t::array:
      if (j.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const Json& item : j) Emit(out, item, false);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const std::string& s = j.get_ref<const std::string&>();
      if (s.find('\n') != std::string::npos) {
        out << YAML::DoubleQuoted << s;
      } else if (NeedsQuotes(s)) {
        out << YAML::DoubleQuoted << s;
      } else {
        out << s;
      }
      return;
    }
    case Json::value_t::boolean:
      out << j.get<bool>();
      return;
    case Json::value_t::number_integer:
      out << j.get<int64_t>();
      return;
    case Json::value_t::number_unsigned:
      out << j.get<uint64_t>();
      return;
    case Json::value_t::number_float:
      out << j.get<double>();
      return;
    default:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::string ExportYaml(const std::vector<model::Entity>& entities) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  for (const model::Entity& e : entities) {
    out << YAML::BeginDoc;
    Emit(out, model::EncodeEntity(e), true);
  }
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

}  // namespace ferry::config
