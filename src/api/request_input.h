// Strict reading of request input: JSON bodies (objects only, size and depth bounded, unknown
// fields rejected with a did-you-mean), query parameters (known names only, each at most once,
// bounded), path segments and paging. Every failure is kInvalidArgument (kPayloadTooLarge past
// the body limit) with a message naming the offending field. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "api/artifact_location.h"
#include "api/http_exchange.h"
#include "common/json.h"
#include "common/result.h"

namespace ferry::api {

// The body parsed as a JSON object. `where` names it in messages ("request body").
Result<Json> ParseObjectBody(const ApiRequest& request, size_t max_bytes);

// kInvalidArgument naming the first field of `object` not in `allowed` (with a suggestion when
// one is close). `where` prefixes the field, e.g. "artifact." for a nested object.
Status RejectUnknownFields(const Json& object, std::initializer_list<std::string_view> allowed,
                           std::string_view where = "");

// kInvalidArgument for a query parameter not in `allowed`.
Status RejectUnknownQuery(const ApiRequest& request,
                          std::initializer_list<std::string_view> allowed);

// The parameter's value when present; kInvalidArgument when repeated, empty, longer than
// store::kMaxNameBytes, not UTF-8 or containing control characters.
Result<std::optional<std::string>> QueryName(const ApiRequest& request, std::string_view name);

// An integer parameter within [min, max]; `fallback` when absent.
Result<int64_t> QueryInt(const ApiRequest& request, std::string_view name, int64_t fallback,
                         int64_t min, int64_t max);

// A yes/no parameter: 1, true, 0 or false; `fallback` when absent.
Result<bool> QueryBool(const ApiRequest& request, std::string_view name, bool fallback);

// ?limit= for list routes: 1..kMaxListLimit, default 50.
inline constexpr int kDefaultListLimit = 50;
inline constexpr int kMaxListLimit = 200;
Result<int> ListLimit(const ApiRequest& request);

// A list route's store error, with an unknown `before` cursor (kNotFound from the store) said as
// such: "no NOUN "X" to page before; pass the "next" of the previous page as `before`".
Error ListError(const Error& error, const std::optional<std::string>& before,
                std::string_view noun);

// A name or id taken from the path or a body (what = "execution id", "application", ...):
// kInvalidArgument when empty, longer than store::kMaxNameBytes, not UTF-8 or containing
// control characters.
Status CheckName(std::string_view what, std::string_view value);

// An artifact location in a request body: `field` names it in errors ("artifact",
// "location"). Strict: unknown members, wrong types, a key over 1024 bytes or not UTF-8 are
// kInvalidArgument.
Result<ArtifactLocation> ParseArtifactLocation(const Json& value, std::string_view field);

}  // namespace ferry::api
