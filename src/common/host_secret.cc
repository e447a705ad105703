#include "common/host_secret.h"

#include <cstdlib>
#include <fstream>

#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry {

Result<std::string> ReadHostSecret(std::string_view secret, HostSecretSource source,
                                   const std::string& where, std::string_view host) {
  const std::string label = "secret " + std::string(secret);
  std::string value;
  if (source == HostSecretSource::kEnv) {
    const char* v = std::getenv(where.c_str());
    if (v == nullptr) {
      return Error{ErrorCode::kFailedPrecondition, label + ": the environment variable " + where +
                                                       " is not set in " + std::string(host) +
                                                       "'s environment"};
    }
    value = v;
  } else {
    std::ifstream in(where, std::ios::binary);
    if (!in) {
      return Error{
          ErrorCode::kFailedPrecondition,
          label + ": cannot read the file " + QuoteForMessage(where) + " on " + std::string(host)};
    }
    value.resize(kMaxHostSecretFileBytes + 1);
    in.read(value.data(), static_cast<std::streamsize>(value.size()));
    value.resize(static_cast<size_t>(in.gcount()));
    if (value.size() > kMaxHostSecretFileBytes) {
      return Error{ErrorCode::kFailedPrecondition,
                   label + ": the file " + QuoteForMessage(where) + " is larger than 64 KiB"};
    }
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  }
  SecretMasker::Global().Register(value);
  return value;
}

}  // namespace ferry
