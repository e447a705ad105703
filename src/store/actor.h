// Actor: who made a change and from where; every store method that writes takes one and records
// it in the audit trail (audit_log.h). Value type.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace ferry::store {

// Who made a change and from where. Every store method that writes takes one; a plain name
// (engine, "ferry up", a CLI user) converts implicitly and has no source.
struct Actor {
  Actor(const char* actor_name) : name(actor_name) {}          // NOLINT(runtime/explicit)
  Actor(std::string actor_name) : name(std::move(actor_name)) {}  // NOLINT(runtime/explicit)
  Actor(std::string_view actor_name) : name(actor_name) {}        // NOLINT(runtime/explicit)
  Actor(std::string actor_name, std::string actor_source)
      : name(std::move(actor_name)), source(std::move(actor_source)) {}

  std::string name;    // "token:NAME", "engine", "ferry up", a delegate id
  std::string source;  // the client's address; "" when the change did not come over the API
};

}  // namespace ferry::store
