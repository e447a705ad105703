#include "api/scopes.h"

#include <algorithm>

#include "common/strings.h"

namespace ferry::api {

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead:
      return "read";
    case Scope::kDeploy:
      return "deploy";
    case Scope::kDelegate:
      return "delegate";
    case Scope::kAdmin:
      break;
  }
  return "admin";
}

Result<Scope> ParseScope(std::string_view name) {
  for (Scope s : {Scope::kRead, Scope::kDeploy, Scope::kAdmin}) {
    if (name == ScopeName(s)) return s;
  }
  return InvalidArgument("unknown token scope " + QuoteForMessage(name, 40) +
                         "; use read, deploy or admin");
}

bool Grants(const std::vector<std::string>& granted, Scope needed) {
  const std::string_view delegate = ScopeName(Scope::kDelegate);
  const bool is_delegate = std::find(granted.begin(), granted.end(), delegate) != granted.end();
  if (needed == Scope::kDelegate || is_delegate) return needed == Scope::kDelegate && is_delegate;
  for (const std::string& name : granted) {
    auto scope = ParseScope(name);
    if (scope.ok() && static_cast<int>(*scope) >= static_cast<int>(needed)) return true;
  }
  return false;
}

}  // namespace ferry::api
