// DelegateSightings: which delegate sightings this server wrote to the registry recently, so that
// a delegate claiming over and over (every empty claim, up to 20 times a second) does not cost a
// registry write each time. A sighting is written when its delegate instance, name, selectors or
// version differ from the last one written, or when that was `refresh` ago or more; the registry
// calls a delegate alive for a minute after its last sighting, so a refresh of a few seconds keeps
// `GET /api/v1/delegates` exact to within that refresh.
//
// Thread-safe. Memory is bounded: at most `max_entries` instances are remembered (the oldest are
// forgotten, which only costs them one more write).
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "store/delegate_registry.h"

namespace ferry::api {

class DelegateSightings {
 public:
  DelegateSightings(Duration refresh, size_t max_entries)
      : refresh_(refresh), max_entries_(max_entries) {}

  // True when `sighting` should be written to the registry now (and remembers it as written).
  bool ShouldWrite(const store::DelegateSighting& sighting, TimePoint now);
  // Forgets a sighting whose write failed, so the next one is written.
  void Forget(const std::string& instance);

 private:
  struct Written {
    std::string key;  // name, selectors and version of the sighting
    TimePoint at;
  };
  const Duration refresh_;
  const size_t max_entries_;
  std::mutex mu_;
  std::map<std::string, Written> written_;  // by instance; guarded by mu_
};

}  // namespace ferry::api
