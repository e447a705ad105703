// The web console's session cookie. Internal to src/api.
#pragma once

#include <string_view>

namespace ferry::api {

inline constexpr std::string_view kSessionCookie = "ferry_session";

}  // namespace ferry::api
