// Forward declaration of ferry::Json for headers that only pass JSON values around.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace ferry {
using Json = nlohmann::json;
}  // namespace ferry
