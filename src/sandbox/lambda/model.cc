#include "sandbox/lambda/model.h"

#include <cstdio>
#include <cstdlib>

#include "common/compression.h"
#include "common/strings.h"
#include "sandbox/http_server.h"

extern const unsigned char ferry_sandbox_lambda_model[];
extern const size_t ferry_sandbox_lambda_model_size;

namespace ferry::sandbox::lambda {

const LambdaModel& LambdaModel::Get() {
  static const LambdaModel* model = [] {
    auto* m = new LambdaModel();  // lives for the process, like the embedded bytes
    JsonLimits limits;
    limits.max_bytes = 64u * 1024u * 1024u;
    auto text = Gunzip(std::string_view(reinterpret_cast<const char*>(ferry_sandbox_lambda_model),
                                        ferry_sandbox_lambda_model_size),
                       limits.max_bytes);
    auto parsed = text.ok() ? ParseJson(*text, limits) : Result<Json>(text.error());
    if (!parsed.ok()) {
      std::fprintf(stderr, "ferry: fatal: embedded Lambda model: %s\n",
                   parsed.error().message.c_str());
      std::abort();
    }
    m->shapes_ = std::move((*parsed)["shapes"]);
    for (const auto& [name, op] : (*parsed)["operations"].items()) {
      ModelOperation o;
      o.name = name;
      o.method = op["http"]["method"].get<std::string>();
      std::string uri = op["http"]["requestUri"].get<std::string>();
      uri = uri.substr(0, uri.find('?'));
      o.path = Split(std::string_view(uri).substr(1), '/');
      // Clients differ on a trailing slash ("/2015-03-31/functions/"): match without it.
      while (!o.path.empty() && o.path.back().empty()) o.path.pop_back();
      o.success_status = op["http"].value("responseCode", 200);
      if (op.contains("input")) o.input_shape = op["input"]["shape"].get<std::string>();
      m->operations_.push_back(std::move(o));
    }
    return m;
  }();
  return *model;
}

const Json& LambdaModel::Shape(const std::string& name) const {
  static const Json kEmpty = Json::object();
  auto it = shapes_.find(name);
  return it == shapes_.end() ? kEmpty : *it;
}

const ModelOperation* LambdaModel::Match(const std::string& method, const std::string& raw_path,
                                         std::map<std::string, std::string>& labels) const {
  if (raw_path.empty() || raw_path[0] != '/') return nullptr;
  std::vector<std::string> segments = Split(std::string_view(raw_path).substr(1), '/');
  while (!segments.empty() && segments.back().empty()) segments.pop_back();
  const ModelOperation* best = nullptr;
  int best_literals = -1;
  for (const ModelOperation& op : operations_) {
    if (op.method != method || op.path.size() != segments.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const std::string& want = op.path[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        ok = !segments[i].empty();
      } else {
        ok = want == segments[i];
        ++literals;
      }
    }
    if (ok && literals > best_literals) {
      best = &op;
      best_literals = literals;
    }
  }
  if (best != nullptr) {
    labels.clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      const std::string& want = best->path[i];
      if (want.front() == '{') {
        std::string label = want.substr(1, want.size() - 2);
        if (!label.empty() && label.back() == '+') label.pop_back();
        labels[label] = PercentDecode(segments[i]);
      }
    }
  }
  return best;
}

namespace {

Result<Json> ConvertText(const Json& shape, const std::string& text, const std::string& where) {
  std::string type = shape.value("type", "string");
  if (type == "integer" || type == "long") {
    auto v = ParseInt(text);
    if (!v) return InvalidArgument(where + " must be an integer");
    return Json(*v);
  }
  if (type == "boolean") {
    if (text == "true") return Json(true);
    if (text == "false") return Json(false);
    return InvalidArgument(where + " must be true or false");
  }
  if (type == "double" || type == "float") {
    auto v = ParseDouble(text);
    if (!v) return InvalidArgument(where + " must be a number");
    return Json(*v);
  }
  return Json(text);
}

}  // namespace

Result<Json> LambdaModel::BindInput(const ModelOperation& op, const Request& request,
                                    const std::map<std::string, std::string>& labels,
                                    InputError& error) const {
  if (op.input_shape.empty()) return Json::object();
  const Json& input = Shape(op.input_shape);
  std::string payload_member = input.value("payload", "");
  Json value = Json::object();
  bool has_body_members = false;
  for (const auto& item : input["members"].items()) {
    // Named, not a structured binding: clang 14 cannot capture bindings in the lambda below.
    const std::string& name = item.key();
    const Json& member = item.value();
    if (name == payload_member) continue;
    std::string location = member.value("location", "");
    if (location.empty()) {
      has_body_members = true;
      continue;
    }
    std::string wire = member.value("locationName", name);
    const Json& shape = Shape(member["shape"].get<std::string>());
    auto set = [&](const std::string& text) -> bool {
      auto converted = ConvertText(shape, text, wire);
      if (!converted.ok()) {
        error = {"InvalidParameterValueException", converted.error().message};
        return false;
      }
      value[name] = *converted;
      return true;
    };
    if (location == "uri") {
      auto it = labels.find(wire);
      if (it != labels.end() && !set(it->second)) return InvalidArgument(error.message);
    } else if (location == "querystring") {
      auto [begin, end] = request.query.equal_range(wire);
      if (begin == end) continue;
      if (shape.value("type", "") == "list") {
        Json list = Json::array();
        for (auto it = begin; it != end; ++it) list.push_back(it->second);
        value[name] = list;
      } else if (!set(begin->second)) {
        return InvalidArgument(error.message);
      }
    } else if (location == "header") {
      std::string header = request.Header(ToLower(wire));
      if (!header.empty() && !set(header)) return InvalidArgument(error.message);
    }
  }
  if (has_body_members && !request.body.empty()) {
    JsonLimits limits;
    limits.max_bytes = 80u * 1024u * 1024u;
    limits.max_depth = 32;
    auto body = ParseJson(request.body, limits);
    if (!body.ok() || !body->is_object()) {
      error = {"SerializationException",
               body.ok() ? "Start of structure or map found where not expected."
                         : "Could not parse request body: " + body.error().message};
      return InvalidArgument(error.message);
    }
    for (auto& [name, member_value] : body->items()) {
      auto member = input["members"].find(name);
      if (member == input["members"].end() || member->contains("location")) continue;
      value[name] = std::move(member_value);
    }
  }
  if (!Validate(op.input_shape, value, error)) return InvalidArgument(error.message);
  return value;
}

}  // namespace ferry::sandbox::lambda
