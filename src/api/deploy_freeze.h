// Freeze windows at deploy time: which stored windows refuse a new deployment now, the 412 that
// says so, and how an admin's override is recorded (docs/deploy.md, "Freeze windows").
// Stateless functions over the entity store; thread-safe as the store is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/entities.h"
#include "model/freeze_window.h"
#include "store/entity_store.h"

namespace ferry::api::deploy {

struct ActiveFreeze {
  model::FreezeWindow window;
  model::FreezeWindowState state;
};

// Every stored window, by name, with its state at `now` (disabled ones inactive). The same
// errors as ActiveFreezes.
Result<std::vector<ActiveFreeze>> FreezeStates(store::EntityStore& entities, TimePoint now);

// The enabled windows covering `application` and environments of `type` that are active at
// `now`, by name. A stored window that no longer decodes or evaluates is an error (kInternal
// context), not silently skipped: a freeze that cannot be read must not let deployments through.
Result<std::vector<ActiveFreeze>> ActiveFreezes(store::EntityStore& entities,
                                                const std::string& application,
                                                model::EnvironmentType type, TimePoint now);

// kFailedPrecondition: "deployments to shop/prod are frozen by window 'holidays' until
// 2027-01-02 00:00 CET; an admin may override with a reason". `frozen` is not empty.
Error FrozenError(const std::string& application, const std::string& environment,
                  const std::vector<ActiveFreeze>& frozen);

// The execution's record of an override: {"reason", "by", "windows": [{"name", "until"}]}.
std::string FreezeOverrideJson(const std::string& reason, const std::string& actor,
                               const std::vector<ActiveFreeze>& frozen);

}  // namespace ferry::api::deploy
