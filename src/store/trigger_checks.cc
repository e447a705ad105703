#include "store/trigger_checks.h"

#include "common/strings.h"
#include "store/checks.h"

namespace ferry::store {

Status CheckTriggerName(std::string_view application, std::string_view name) {
  FERRY_RETURN_IF_ERROR(CheckName(application, "application"));
  return CheckName(name, "trigger name");
}

Status CheckFireKey(std::string_view fire_key) {
  if (fire_key.empty() || fire_key.size() > kMaxFireKeyBytes || !IsValidUtf8(fire_key)) {
    return InvalidArgument("a fire key is 1 to 2048 bytes of UTF-8");
  }
  for (unsigned char ch : fire_key) {
    if (ch < 0x20 || ch == 0x7f) return InvalidArgument("a fire key has no control characters");
  }
  return Ok();
}

std::string TriggerErrorText(std::string_view error) {
  if (error.empty()) return "(no message)";
  if (error.size() <= kMaxTriggerErrorBytes) return std::string(error);
  size_t cut = kMaxTriggerErrorBytes;
  while (cut > 0 && (static_cast<unsigned char>(error[cut]) & 0xC0) == 0x80) --cut;
  return std::string(error.substr(0, cut)) + "…";
}

std::string_view FireStatusName(FireStatus status) {
  switch (status) {
    case FireStatus::kClaimed:
      return "claimed";
    case FireStatus::kStarted:
      return "started";
    case FireStatus::kFailed:
      return "failed";
    case FireStatus::kBaseline:
      return "baseline";
  }
  return "unknown";
}

Result<FireStatus> ParseFireStatus(std::string_view name) {
  for (FireStatus s :
       {FireStatus::kClaimed, FireStatus::kStarted, FireStatus::kFailed, FireStatus::kBaseline}) {
    if (FireStatusName(s) == name) return s;
  }
  return Internal("unknown fire status in the store: " + std::string(name));
}

}  // namespace ferry::store
