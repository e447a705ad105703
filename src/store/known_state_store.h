// KnownStateStore: what Ferry last left each cloud resource as, by key (the domain chooses the
// key and the JSON; for a Lambda function, lambda/records.h). A deployment starts from it instead
// of listing what it already knows, and guards every write it bases on it, so an entry that is
// stale (the resource changed outside Ferry) costs a read, never correctness. Entries are
// replaced whole; a writer that cannot tell the state it left deletes the entry instead.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::store {

struct KnownState {
  std::string key;
  std::string state_json = "{}";
  std::optional<std::string> execution_id;  // the execution that left it so
  TimePoint updated_at;                     // set by the store
};

class KnownStateStore {
 public:
  virtual ~KnownStateStore() = default;
  // The entries of `keys` that exist (any order). kInvalidArgument for more than
  // kMaxPageSize keys.
  virtual Result<std::vector<KnownState>> Get(const std::vector<std::string>& keys) = 0;
  // Creates or replaces every entry, in one transaction. kInvalidArgument for a bad key or
  // malformed JSON, kPayloadTooLarge past kMaxDocumentBytes.
  virtual Status Put(const std::vector<KnownState>& states) = 0;
  // Deletes the entries of `keys` (absent ones are fine), in one transaction. kInvalidArgument
  // for a bad key.
  virtual Status Delete(const std::vector<std::string>& keys) = 0;
};

}  // namespace ferry::store
