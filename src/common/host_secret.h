// Reading a secret where it lives on this host: an environment variable of this process, or a
// file (its content, one trailing newline removed, at most kMaxHostSecretFileBytes). The server
// reads them for its embedded delegate (api/deploy_config.h ResolveSecret), a remote `ferry
// delegate` on its own host. The value is registered with SecretMasker before it is returned.
// Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry {

enum class HostSecretSource { kEnv, kFile };

inline constexpr size_t kMaxHostSecretFileBytes = 64 * 1024;

// `secret` names the SecretRef in messages, `where` is the variable or the file path, `host`
// says whose environment or file system it is ("the Ferry server", "delegate eu-1").
// kFailedPrecondition when the variable is unset, the file unreadable or too large.
Result<std::string> ReadHostSecret(std::string_view secret, HostSecretSource source,
                                   const std::string& where, std::string_view host);

}  // namespace ferry
