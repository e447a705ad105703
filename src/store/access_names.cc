#include "store/access_store.h"

namespace ferry::store {

std::string_view AccountKindName(AccountKind kind) {
  return kind == AccountKind::kService ? "service" : "user";
}

}  // namespace ferry::store
