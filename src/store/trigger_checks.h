// Checks and names shared by both TriggerStore backends, so that they accept and refuse the
// same input. Internal to store/.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/trigger_store.h"

namespace ferry::store {

inline constexpr size_t kMaxTriggerCursorBytes = size_t{64} * 1024;
inline constexpr size_t kMaxFireKeyBytes = 2048;
inline constexpr size_t kMaxTriggerErrorBytes = 2048;

Status CheckTriggerName(std::string_view application, std::string_view name);
// 1..kMaxFireKeyBytes of UTF-8 without control characters.
Status CheckFireKey(std::string_view fire_key);
// The error cut to kMaxTriggerErrorBytes (on a UTF-8 boundary), "(no message)" when empty.
std::string TriggerErrorText(std::string_view error);
Result<FireStatus> ParseFireStatus(std::string_view name);

}  // namespace ferry::store
