#include "model/json_codec.h"

#include <set>

#include "common/json.h"
#include "common/strings.h"
#include "model/enums.h"
#include "model/schema.h"

namespace ferry::model {
namespace {

std::string TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "an integer";
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "a mapping";
    default:
      return "a value";
  }
}

void WrongType(const Json& j, const std::string& path, std::string_view expected,
               Problems& problems) {
  std::string message = "expected " + std::string(expected) + ", got " + TypeName(j);
  if (expected == "a string" && (j.is_number() || j.is_boolean())) {
    message += " (quote the value to make it a string)";
  }
  problems.push_back({path, std::move(message)});
}

// ---- Decoding ------------------------------------------------------------------------------

class Decoder;
void Read(const Json& j, const std::string& path, Problems& problems, DefaultsField& out);
void Read(const Json& j, const std::string& path, Problems& problems, std::string& out);
void Read(const Json& j, const std::string& path, Problems& problems, int64_t& out);
void Read(const Json& j, const std::string& path, Problems& problems, bool& out);
template <typename E>
requires std::is_enum_v<E>
void Read(const Json& j, const std::string& path, Problems& problems, E& out);
template <typename T>
void Read(const Json& j, const std::string& path, Problems& problems, std::optional<T>& out);
template <typename T>
void Read(const Json& j, const std::string& path, Problems& problems, std::vector<T>& out);
template <typename T>
void Read(const Json& j, const std::string& path, Problems& problems,
          std::map<std::string, T>& out);
template <typename T>
requires(!std::is_enum_v<T>) void Read(const Json& j, const std::string& path, Problems& problems,
                                       T& out);

// Visits the fields of one object: each Field call consumes a key; Finish reports the keys
// nobody asked for.
class Decoder {
 public:
  Decoder(const Json& object, std::string path, Problems& problems)
      : object_(object), path_(std::move(path)), problems_(problems) {}

  template <typename T>
  void Field(std::string_view key, T& out, Presence presence = Presence::kOptional) {
    known_.emplace_back(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (presence == Presence::kRequired) {
        problems_.push_back({path_, "missing required field '" + std::string(key) + "'"});
      }
      return;
    }
    Read(*it, JoinPath(path_, key), problems_, out);
  }

  // A key that must never appear, with the reason.
  void Forbid(std::string_view key, std::string_view message) {
    known_.emplace_back(key);
    if (object_.contains(key)) {
      problems_.push_back({JoinPath(path_, key), std::string(message), true});
    }
  }

  // Keys consumed by the caller outside Field (the document's "kind").
  void Known(std::string_view key) { known_.emplace_back(key); }

  void Finish() {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
      std::string message = "unknown field " + QuoteForMessage(it.key());
      if (auto match = ClosestMatch(it.key(), known_)) {
        message += "; did you mean '" + *match + "'?";
      }
      problems_.push_back({JoinPath(path_, it.key()), std::move(message), true});
    }
  }

 private:
  const Json& object_;
  std::string path_;
  Problems& problems_;
  std::vector<std::string> known_;
};

void Read(const Json& j, const std::string& path, Problems& problems, std::string& out) {
  if (!j.is_string()) return WrongType(j, path, "a string", problems);
  out = j.get<std::string>();
}

void Read(const Json& j, const std::string& path, Problems& problems, int64_t& out) {
  if (j.is_number_unsigned()) {
    // nlohmann stores non-negative integers as unsigned; beyond int64 they are out of range.
    if (j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      problems.push_back({path, "integer out of range"});
    } else {
      out = static_cast<int64_t>(j.get<uint64_t>());
    }
  } else if (j.is_number_integer()) {
    out = j.get<int64_t>();
  } else {
    WrongType(j, path, "an integer", problems);
  }
}

void Read(const Json& j, const std::string& path, Problems& problems, bool& out) {
  if (!j.is_boolean()) return WrongType(j, path, "true or false", problems);
  out = j.get<bool>();
}

template <typename E>
requires std::is_enum_v<E>
void Read(const Json& j, const std::string& path, Problems& problems, E& out) {
  if (!j.is_string()) return WrongType(j, path, "a string", problems);
  const std::string& text = j.get_ref<const std::string&>();
  if (auto value = ParseEnum<E>(text)) {
    out = *value;
    return;
  }
  std::vector<std::string> names = EnumNames<E>();
  std::string message =
      "unknown value " + QuoteForMessage(text) + "; expected one of " + Join(names, ", ");
  if (auto match = ClosestMatch(text, names)) message += "; did you mean '" + *match + "'?";
  problems.push_back({path, std::move(message)});
}

template <typename T>
void Read(const Json& j, const std::string& path, Problems& problems, std::optional<T>& out) {
  T value{};
  size_t before = problems.size();
  Read(j, path, problems, value);
  // A value with problems is still kept when it is a structure (so that nested checks run), but
  // a scalar of the wrong type is left unset.
  if (problems.size() == before || j.is_object()) out = std::move(value);
}

template <typename T>
void Read(const Json& j, const std::string& path, Problems& problems, std::vector<T>& out) {
  if (!j.is_array()) return WrongType(j, path, "a list", problems);
  out.clear();
  for (size_t i = 0; i < j.size(); ++i) {
    T value{};
    Read(j[i], JoinPath(path, i), problems, value);
    out.push_back(std::move(value));
  }
}

template <typename T>
void Read(const Json& j, const std::string& path, Problems& problems,
          std::map<std::string, T>& out) {
  if (!j.is_object()) return WrongType(j, path, "a mapping", problems);
  out.clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    T value{};
    Read(it.value(), JoinPath(path, it.key()), problems, value);
    out.emplace(it.key(), std::move(value));
  }
}

template <typename T>
requires(!std::is_enum_v<T>) void Read(const Json& j, const std::string& path, Problems& problems,
                                       T& out) {
  if (!j.is_object()) return WrongType(j, path, "a mapping", problems);
  Decoder decoder(j, path, problems);
  Describe(decoder, out);
  decoder.Finish();
}

void Read(const Json& j, const std::string& path, Problems& problems, DefaultsField& out) {
  std::optional<FunctionDefaults> defaults;
  Read(j, path, problems, defaults);
  if (defaults) *out.target = std::move(defaults->spec);
}

// ---- Encoding ------------------------------------------------------------------------------

Json Write(const std::string& v) { return v; }
Json Write(int64_t v) { return v; }
Json Write(bool v) { return v; }
template <typename E>
requires std::is_enum_v<E> Json Write(E v) { return std::string(EnumName(v)); }
Json Write(const DefaultsField& v);
template <typename T>
Json Write(const std::vector<T>& v);
template <typename T>
Json Write(const std::map<std::string, T>& v);
template <typename T>
requires(!std::is_enum_v<T>) Json Write(const T& v);

template <typename T>
bool IsEmpty(const T&) {
  return false;
}
template <typename T>
bool IsEmpty(const std::optional<T>& v) {
  return !v.has_value();
}
template <typename T>
bool IsEmpty(const std::vector<T>& v) {
  return v.empty();
}
template <typename T>
bool IsEmpty(const std::map<std::string, T>& v) {
  return v.empty();
}

bool IsEmpty(const DefaultsField& v) { return !v.target->has_value(); }

class Encoder {
 public:
  template <typename T>
  void Field(std::string_view key, const T& value, Presence presence = Presence::kOptional) {
    if (presence == Presence::kOptional && IsEmpty(value)) return;
    if constexpr (std::is_same_v<T, DefaultsField>) {
      if (!IsEmpty(value)) object_[std::string(key)] = Write(value);
      return;
    }
    if constexpr (requires { value.has_value(); }) {
      if (value.has_value()) object_[std::string(key)] = Write(*value);
    } else {
      object_[std::string(key)] = Write(value);
    }
  }
  void Forbid(std::string_view, std::string_view) {}
  Json Take() { return std::move(object_); }

 private:
  Json object_ = Json::object();
};

template <typename T>
Json Write(const std::vector<T>& v) {
  Json out = Json::array();
  for (const T& item : v) out.push_back(Write(item));
  return out;
}

template <typename T>
Json Write(const std::map<std::string, T>& v) {
  Json out = Json::object();
  for (const auto& [key, item] : v) out[key] = Write(item);
  return out;
}

template <typename T>
requires(!std::is_enum_v<T>) Json Write(const T& v) {
  Encoder encoder;
  // Describe takes a mutable reference because the same function drives decoding; the encoder
  // only reads.
  Describe(encoder, const_cast<T&>(v));
  return encoder.Take();
}

Json Write(const DefaultsField& v) { return Write(FunctionDefaults{**v.target}); }

template <typename T>
Entity DecodeAs(const Json& document, Problems& problems) {
  T entity{};
  Decoder decoder(document, "", problems);
  decoder.Known("kind");
  Describe(decoder, entity);
  decoder.Finish();
  return entity;
}

}  // namespace

std::optional<Entity> DecodeEntity(const Json& document, Problems& problems) {
  if (!document.is_object()) {
    WrongType(document, "", "a mapping with a 'kind' field", problems);
    return std::nullopt;
  }
  auto kind_it = document.find("kind");
  if (kind_it == document.end() || kind_it->is_null()) {
    problems.push_back(
        {"", "missing required field 'kind' (one of " + Join(EnumNames<Kind>(), ", ") + ")"});
    return std::nullopt;
  }
  Kind kind{};
  size_t before = problems.size();
  Read(*kind_it, "/kind", problems, kind);
  if (problems.size() != before) return std::nullopt;
  switch (kind) {
    case Kind::kCloudProvider:
      return DecodeAs<CloudProvider>(document, problems);
    case Kind::kSecret:
      return DecodeAs<SecretRef>(document, problems);
    case Kind::kApplication:
      return DecodeAs<Application>(document, problems);
    case Kind::kService:
      return DecodeAs<Service>(document, problems);
    case Kind::kEnvironment:
      return DecodeAs<Environment>(document, problems);
    case Kind::kWorkflow:
      return DecodeAs<Workflow>(document, problems);
    case Kind::kPipeline:
      return DecodeAs<Pipeline>(document, problems);
    case Kind::kTrigger:
      return DecodeAs<Trigger>(document, problems);
    case Kind::kFreezeWindow:
      return DecodeAs<FreezeWindow>(document, problems);
    case Kind::kNotificationChannel:
      return DecodeAs<NotificationChannel>(document, problems);
  }
  return std::nullopt;
}

Json EncodeEntity(const Entity& entity) {
  Json out = std::visit([](const auto& e) { return Write(e); }, entity);
  out["kind"] = std::string(EnumName(KindOf(entity)));
  return out;
}

std::string CanonicalJson(const Entity& entity) { return DumpJson(EncodeEntity(entity)); }

Result<Entity> EntityFromJson(std::string_view json) {
  FERRY_ASSIGN_OR_RETURN(Json document, ParseJson(json));
  Problems problems;
  std::optional<Entity> entity = DecodeEntity(document, problems);
  if (!problems.empty() || !entity) {
    std::vector<std::string> lines;
    for (const Problem& p : problems) lines.push_back(DisplayPath(p.path) + ": " + p.message);
    if (lines.empty()) lines.push_back("not an entity");
    return InvalidArgument("stored entity does not decode: " + Join(lines, "; "));
  }
  return std::move(*entity);
}

}  // namespace ferry::model
