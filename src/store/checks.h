// Input checks and canonical forms shared by every Store implementation (no SQL here), so the
// SQLite and PostgreSQL stores accept and reject exactly the same input. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/entity_store.h"

namespace ferry::store {

// kInvalidArgument unless text is non-empty, valid UTF-8 without control characters and at
// most kMaxNameBytes long. what names the field in the message ("entity name").
Status CheckName(std::string_view text, std::string_view what);
// As CheckName, but an empty text is allowed.
Status CheckOptionalName(std::string_view text, std::string_view what);
// kind and name required; application may be empty.
Status CheckEntityKey(const EntityKey& key);

// Parses json (kInvalidArgument when malformed, kPayloadTooLarge past max_bytes) and returns
// it in canonical form: sorted keys, no insignificant whitespace. what names it in messages.
Result<std::string> CanonicalJson(std::string_view json, size_t max_bytes, std::string_view what);
// As CanonicalJson, and the value must be a JSON object.
Result<std::string> CanonicalJsonObject(std::string_view json, size_t max_bytes,
                                        std::string_view what);

// An error text as stored: invalid UTF-8 replaced by a note, NUL bytes by '?', cut at a character
// boundary to at most max_bytes.
std::string BoundedText(std::string_view text, size_t max_bytes);

// Each selector/scope checked with CheckName; returns them sorted without duplicates.
Result<std::vector<std::string>> NormalizeNames(const std::vector<std::string>& names,
                                                std::string_view what);
// kInvalidArgument unless 1 <= limit <= kMaxPageSize.
Status CheckPageLimit(int limit);
// A JSON array of strings, and back (kInternal when the stored text is not one).
std::string ToJsonArray(const std::vector<std::string>& values);
Result<std::vector<std::string>> FromJsonArray(std::string_view json);

// "service/shop/checkout", or "application/shop" for kinds without an application.
std::string EntitySubject(const EntityKey& key);
// The application an entity belongs to: its own name for an application, else its application.
std::string EntityApplication(const EntityKey& key);

// An entity change's audit details: the canonical specs before and after ({"before": ...,
// "after": ...}, either absent on create or delete) when together they fit in
// kMaxAuditDocumentBytes; otherwise only their sizes and "documentsOmitted": true (the event's
// SHA-256 hashes still identify both). Specs hold no secret values (secrets are references).
inline constexpr size_t kMaxAuditDocumentBytes = size_t{16} * 1024;
std::string EntityAuditDetails(const std::string* before, const std::string* after);

}  // namespace ferry::store
