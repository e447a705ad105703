// Paging cursors of the PostgreSQL list queries. Lists page by `(created, id) < (the before
// row's)`; against an unknown id that comparison matches nothing, so an unknown cursor would read
// as "no older records". CheckCursor turns it into kNotFound instead. Call inside the list's read.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/checks.h"
#include "store/postgres/connection.h"

namespace ferry::store::postgres {

// `table` is one of Ferry's table names (a constant, never input); `noun` names a row in the
// message ("execution", "artifact", "deployment").
inline Status CheckCursor(Connection& c, std::string_view table,
                          const std::optional<std::string>& before, std::string_view noun) {
  if (!before) return Ok();
  FERRY_ASSIGN_OR_RETURN(Statement exists,
                         c.Prepare("SELECT 1 FROM " + std::string(table) + " WHERE id = $1"));
  FERRY_ASSIGN_OR_RETURN(bool known, exists.Bind(1, *before).Step());
  if (!known) return NotFound(std::string(noun) + " " + *before + " does not exist");
  return Ok();
}

}  // namespace ferry::store::postgres
