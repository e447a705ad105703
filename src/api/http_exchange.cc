#include "api/http_exchange.h"

#include "common/secret_mask.h"

namespace ferry::api {

std::string ApiRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

ApiResponse JsonReply(int status, const Json& body) {
  ApiResponse out;
  out.status = status;
  out.body = DumpJson(body);
  return out;
}

ApiResponse ErrorReply(const Error& error) { return ErrorReply(error, Json()); }

ApiResponse ErrorReply(const Error& error, const Json& problems) {
  Json inner = {{"code", std::string(ErrorCodeName(error.code))},
                {"message", MaskSecrets(error.message)}};
  for (const auto& [key, value] : error.details) {
    if (key != "code" && key != "message" && key != "problems") inner[key] = MaskSecrets(value);
  }
  if (!problems.is_null()) inner["problems"] = problems;
  return JsonReply(HttpStatus(error.code), Json{{"error", std::move(inner)}});
}

}  // namespace ferry::api
