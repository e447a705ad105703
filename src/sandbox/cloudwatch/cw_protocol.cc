#include "sandbox/cloudwatch/cw_protocol.h"

#include <charconv>
#include <map>

#include "common/compression.h"
#include "common/strings.h"
#include "common/time.h"

namespace ferry::sandbox::cloudwatch {
namespace {

constexpr std::string_view kTargetPrefix = "GraniteServiceVersion20100801.";
constexpr std::string_view kXmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
constexpr size_t kMaxQueryParams = 20'000;
constexpr int64_t kMaxListIndex = 10'000;
constexpr size_t kMaxPathDepth = 12;

// Query-protocol codes -> the shape names awsJson errors carry in __type.
const std::map<std::string, std::string>& JsonErrorShapes() {
  static const auto* shapes = new std::map<std::string, std::string>{
      {"InvalidParameterValue", "InvalidParameterValueException"},
      {"MissingParameter", "MissingRequiredParameterException"},
      {"InvalidParameterCombination", "InvalidParameterCombinationException"},
      {"LimitExceeded", "LimitExceededFault"},
      {"InternalServiceError", "InternalServiceFault"},
      {"InvalidFormat", "InvalidFormatFault"},
  };
  return *shapes;
}

std::string CodeOf(const Error& error) {
  auto it = error.details.find("cw.code");
  if (it != error.details.end()) return it->second;
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidParameterValue";
    case ErrorCode::kNotFound:
      return "ResourceNotFound";
    case ErrorCode::kPayloadTooLarge:
      return "RequestEntityTooLarge";
    case ErrorCode::kUnavailable:
      return "ServiceUnavailable";
    default:
      return "InternalServiceError";
  }
}

int StatusOf(const Error& error) {
  auto it = error.details.find("cw.status");
  if (it != error.details.end()) {
    if (auto s = ParseInt(it->second)) return static_cast<int>(*s);
  }
  return HttpStatus(error.code);
}

std::string FormatDouble(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

Result<std::string> FormDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0) {
        return CwError(400, "MalformedQueryString", "Invalid percent escape in the request.");
      }
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Lists arrive as "Name.member.N"; they are built as objects keyed "#N" and converted after.
Json ListsToArrays(Json node) {
  if (!node.is_object()) return node;
  bool is_list = !node.empty();
  for (auto& [k, v] : node.items()) {
    if (k.empty() || k[0] != '#') is_list = false;
  }
  if (is_list) {
    std::map<int64_t, Json> ordered;
    for (auto& [k, v] : node.items()) ordered[*ParseInt(std::string_view(k).substr(1))] = v;
    Json array = Json::array();
    for (auto& [i, v] : ordered) array.push_back(ListsToArrays(std::move(v)));
    return array;
  }
  Json out = Json::object();
  for (auto& [k, v] : node.items()) out[k] = ListsToArrays(std::move(v));
  return out;
}

// Request bodies the SDKs compress (PutMetricData carries @requestCompression: the JS SDK gzips
// bodies from 10 KiB up). Output is capped so a small bomb cannot inflate without bound.
Result<std::string> InflateBody(const std::string& compressed, size_t max_bytes) {
  auto inflated = Gunzip(compressed, max_bytes);
  if (inflated.ok()) return inflated;
  if (inflated.error().code == ErrorCode::kPayloadTooLarge) {
    return CwError(413, "RequestEntityTooLarge",
                   "The decompressed request exceeds " + std::to_string(max_bytes) + " bytes");
  }
  if (inflated.error().code == ErrorCode::kInvalidArgument) {
    return CwError(400, "InvalidParameterValue", "The gzip request body is malformed.");
  }
  return inflated.error();
}

Result<ParsedRequest> ParseQuery(const Request& request) {
  std::vector<std::pair<std::string, std::string>> params;
  auto add_form = [&](std::string_view form) -> Status {
    for (const auto& pair : Split(form, '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      FERRY_ASSIGN_OR_RETURN(std::string name, FormDecode(std::string_view(pair).substr(0, eq)));
      std::string value;
      if (eq != std::string::npos) {
        FERRY_ASSIGN_OR_RETURN(value, FormDecode(std::string_view(pair).substr(eq + 1)));
      }
      params.emplace_back(std::move(name), std::move(value));
      if (params.size() > kMaxQueryParams) {
        return CwError(400, "InvalidParameterValue", "Too many parameters in the request.");
      }
    }
    return Ok();
  };
  for (const auto& [name, value] : request.query) params.emplace_back(name, value);
  if (request.method == "POST") FERRY_RETURN_IF_ERROR(add_form(request.body));

  ParsedRequest parsed;
  parsed.protocol = Protocol::kQuery;
  Json tree = Json::object();
  for (const auto& [name, value] : params) {
    if (name == "Action") {
      parsed.action = value;
      continue;
    }
    if (name == "Version") continue;
    auto segments = Split(name, '.');
    if (segments.size() > kMaxPathDepth) {
      return InvalidParameterValue("The parameter " + QuoteForMessage(name) + " is too deep.");
    }
    Json* node = &tree;
    for (size_t i = 0; i < segments.size(); ++i) {
      std::string segment = segments[i];
      if (segment.empty())
        return InvalidParameterValue("Malformed parameter name " + QuoteForMessage(name) + ".");
      if (segment == "member" && i + 1 < segments.size()) {
        auto index = ParseInt(segments[i + 1]);
        if (!index || *index < 1 || *index > kMaxListIndex) {
          return InvalidParameterValue("Invalid list index in parameter " + QuoteForMessage(name) +
                                       ".");
        }
        segment = "#" + std::to_string(*index);
        ++i;
      }
      if (!node->is_object()) {
        return InvalidParameterValue("The parameter " + QuoteForMessage(name) +
                                     " conflicts with another parameter.");
      }
      if (i + 1 == segments.size()) {
        (*node)[segment] = value;
      } else {
        node = &(*node)[segment];
        if (node->is_null()) *node = Json::object();
      }
    }
  }
  if (parsed.action.empty()) {
    return CwError(400, "MissingAction", "The request must contain the parameter Action.");
  }
  parsed.input = ListsToArrays(std::move(tree));
  return parsed;
}

void AppendXml(std::string& out, const std::string& name, const Json& value) {
  if (value.is_null()) return;
  if (value.is_object() && value.contains("$ts")) {
    out += "<" + name + ">" + FormatRfc3339(FromUnixMillis(value["$ts"].get<int64_t>())) + "</" +
           name + ">";
    return;
  }
  out += "<" + name + ">";
  if (value.is_object() && value.contains("$map")) {
    for (const auto& [k, v] : value["$map"].items()) {
      out += "<entry><key>" + EscapeXml(k) + "</key>";
      AppendXml(out, "value", v);
      out += "</entry>";
    }
  } else if (value.is_object()) {
    for (const auto& [k, v] : value.items()) AppendXml(out, k, v);
  } else if (value.is_array()) {
    for (const auto& v : value) AppendXml(out, "member", v);
  } else if (value.is_string()) {
    out += EscapeXml(value.get<std::string>());
  } else if (value.is_boolean()) {
    out += value.get<bool>() ? "true" : "false";
  } else if (value.is_number_float()) {
    out += FormatDouble(value.get<double>());
  } else {
    out += value.dump();
  }
  out += "</" + name + ">";
}

Json ToJsonWire(const Json& value) {
  if (value.is_object() && value.contains("$ts")) {
    return static_cast<double>(value["$ts"].get<int64_t>()) / 1000.0;
  }
  if (value.is_object() && value.contains("$map")) return ToJsonWire(value["$map"]);
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) {
      if (!v.is_null()) out[k] = ToJsonWire(v);
    }
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& v : value) out.push_back(ToJsonWire(v));
    return out;
  }
  return value;
}

}  // namespace

Error CwError(int status, const std::string& code, const std::string& message) {
  Error error{status == 404 ? ErrorCode::kNotFound
                            : (status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument),
              message,
              {}};
  error.details["cw.code"] = code;
  error.details["cw.status"] = std::to_string(status);
  return error;
}

Error InvalidParameterValue(const std::string& message) {
  return CwError(400, "InvalidParameterValue", message);
}

Error MissingParameter(const std::string& name) {
  return CwError(400, "MissingParameter", "The parameter " + name + " is required.");
}

Error InvalidParameterCombination(const std::string& message) {
  return CwError(400, "InvalidParameterCombination", message);
}

Protocol DetectProtocol(const Request& request) {
  return request.Header("x-amz-target").starts_with(kTargetPrefix) ? Protocol::kJson
                                                                   : Protocol::kQuery;
}

Result<ParsedRequest> ParseRequest(const Request& request, size_t max_body_bytes) {
  if (request.body.size() > max_body_bytes) {
    return CwError(413, "RequestEntityTooLarge",
                   "Request size " + std::to_string(request.body.size()) + " exceeded " +
                       std::to_string(max_body_bytes) + " bytes");
  }
  // An HTTP layer built with zlib may have inflated the body already (the header stays): only a
  // body with the gzip magic is inflated here.
  if (request.Header("content-encoding").find("gzip") != std::string::npos &&
      request.body.size() >= 2 && request.body[0] == '\x1f' && request.body[1] == '\x8b') {
    FERRY_ASSIGN_OR_RETURN(std::string inflated, InflateBody(request.body, 8 * max_body_bytes));
    Request decoded = request;
    decoded.body = std::move(inflated);
    decoded.headers.erase("content-encoding");
    return ParseRequest(decoded, 8 * max_body_bytes);
  }
  if (DetectProtocol(request) == Protocol::kQuery) return ParseQuery(request);
  ParsedRequest parsed;
  parsed.protocol = Protocol::kJson;
  parsed.action = request.Header("x-amz-target").substr(kTargetPrefix.size());
  if (Trim(request.body).empty()) {
    parsed.input = Json::object();
    return parsed;
  }
  auto json = ParseJson(request.body, JsonLimits{max_body_bytes, 32});
  if (!json.ok() || !json->is_object()) {
    return CwError(400, "SerializationException",
                   "The request body is not a JSON object: " +
                       (json.ok() ? std::string("wrong type") : json.error().message));
  }
  parsed.input = std::move(json).value();
  return parsed;
}

Json OutputTimestamp(TimePoint t) { return Json{{"$ts", ToUnixMillis(t)}}; }

Json OutputMap(Json object) { return Json{{"$map", std::move(object)}}; }

Response RenderOutput(Protocol protocol, const std::string& action, const Json& output,
                      const std::string& request_id) {
  Response response;
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  if (protocol == Protocol::kJson) {
    response.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    response.body = DumpJson(ToJsonWire(output.is_null() ? Json::object() : output));
    return response;
  }
  response.headers.emplace_back("Content-Type", "text/xml");
  std::string& out = response.body;
  out = "<" + action + "Response xmlns=\"" + std::string(kXmlNamespace) + "\">";
  if (output.is_object() && !output.empty()) AppendXml(out, action + "Result", output);
  out += "<ResponseMetadata><RequestId>" + EscapeXml(request_id) +
         "</RequestId></ResponseMetadata></" + action + "Response>";
  return response;
}

Response RenderErrorResponse(Protocol protocol, const Error& error, const std::string& request_id) {
  Response response;
  response.status = StatusOf(error);
  std::string code = CodeOf(error);
  bool sender = response.status < 500;
  response.headers.emplace_back("x-amzn-RequestId", request_id);
  if (protocol == Protocol::kJson) {
    auto shape = JsonErrorShapes().find(code);
    std::string type = shape == JsonErrorShapes().end() ? code : shape->second;
    response.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    response.headers.emplace_back("x-amzn-query-error", code + (sender ? ";Sender" : ";Receiver"));
    response.body =
        DumpJson(Json{{"__type", "com.amazonaws.cloudwatch#" + type}, {"message", error.message}});
    return response;
  }
  response.headers.emplace_back("Content-Type", "text/xml");
  response.body = "<ErrorResponse xmlns=\"" + std::string(kXmlNamespace) + "\"><Error><Type>" +
                  (sender ? "Sender" : "Receiver") + "</Type><Code>" + EscapeXml(code) +
                  "</Code><Message>" + EscapeXml(error.message) + "</Message></Error><RequestId>" +
                  EscapeXml(request_id) + "</RequestId></ErrorResponse>";
  return response;
}

}  // namespace ferry::sandbox::cloudwatch
