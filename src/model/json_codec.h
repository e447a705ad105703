// Canonical JSON for the configuration entities: the form the store keeps and the API speaks.
//
// An entity document is one JSON object: {"kind": "Service", "application": ..., "name": ...,
// <fields>}. Field names are camelCase; enums use the names in model/enums.h. Decoding reports
// EVERY structural problem (missing required field, wrong type, unknown field with a
// did-you-mean suggestion, unknown enum value) as a Problem with a JSON-pointer path, and still
// returns what could be decoded so later checks can run. Encoding omits unset optional fields
// and empty lists/maps, so Encode(Decode(Encode(e))) == Encode(e). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/json_fwd.h"
#include "common/result.h"
#include "model/entities.h"
#include "model/problem.h"

namespace ferry::model {

// nullopt only when the document is not an object or its kind is missing or unknown; problems
// receives every problem found.
std::optional<Entity> DecodeEntity(const Json& document, Problems& problems);

Json EncodeEntity(const Entity& entity);
// Compact JSON with sorted keys: byte-equal for equal entities.
std::string CanonicalJson(const Entity& entity);

// Parses canonical JSON from the store: kInvalidArgument listing the problems when it does not
// decode cleanly.
Result<Entity> EntityFromJson(std::string_view json);

}  // namespace ferry::model
