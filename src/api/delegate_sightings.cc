#include "api/delegate_sightings.h"

#include <algorithm>

namespace ferry::api {

bool DelegateSightings::ShouldWrite(const store::DelegateSighting& sighting, TimePoint now) {
  std::string key = sighting.name + '\n' + sighting.version;
  for (const auto& s : sighting.selectors) key += '\n' + s;
  std::lock_guard lock(mu_);
  auto it = written_.find(sighting.instance);
  if (it != written_.end() && it->second.key == key && now - it->second.at < refresh_ &&
      now >= it->second.at) {
    return false;
  }
  if (it == written_.end() && written_.size() >= max_entries_) {
    auto oldest =
        std::min_element(written_.begin(), written_.end(),
                         [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
    written_.erase(oldest);
  }
  written_[sighting.instance] = Written{std::move(key), now};
  return true;
}

void DelegateSightings::Forget(const std::string& instance) {
  std::lock_guard lock(mu_);
  written_.erase(instance);
}

}  // namespace ferry::api
