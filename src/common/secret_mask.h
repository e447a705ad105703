// SecretMasker: removes secrets from any text before it is logged, returned or printed.
//
// Two layers: values registered at run time (resolved secrets, access keys, tokens) are replaced
// wherever they appear; and well-known secret-bearing shapes (Authorization headers, SigV4
// signatures and security tokens in URLs, "SecretAccessKey"/"SessionToken" JSON fields,
// aws_secret_access_key lines) have their values replaced even if never registered.
// Thread-safe; the process-wide instance is Global().
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace ferry {

inline constexpr std::string_view kMasked = "****";

class SecretMasker {
 public:
  // Values shorter than 4 characters are ignored (masking "a" would mangle every line).
  void Register(std::string_view secret);
  void Unregister(std::string_view secret);
  std::string Mask(std::string_view text) const;
  static SecretMasker& Global();

 private:
  mutable std::mutex mu_;
  std::set<std::string, std::greater<>> secrets_;  // Guarded by mu_; longest-first not needed.
};

// Masks with the global masker.
std::string MaskSecrets(std::string_view text);

}  // namespace ferry
