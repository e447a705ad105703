// CodeShaCache: the CodeSha256 of code packages learnt with UpdateFunctionCode DryRun, shared by
// the functions one deployer deploys from the same package. A service of 300 functions built
// from one zip then costs one DryRun instead of 300, each a call against Lambda's 15/s
// control-plane quota. Packages are S3 objects (bucket, key, version) and images; inline zips are
// never shared.
//
//   CodeShaCache::Claim claim = cache.Acquire(code, stop);
//   if (claim.known()) use(*claim.known());
//   else { sha = DryRun(); claim.Resolve(sha); }   // dropping the claim unresolved: a waiting
//                                                  // function makes its own DryRun
//
// Thread-safe; a Claim belongs to one thread and must not outlive its cache.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include "lambda/function_state.h"

namespace ferry::delegate {

class CodeShaCache {
 public:
  class Claim {
   public:
    Claim(Claim&& other) noexcept;
    Claim& operator=(Claim&&) = delete;
    ~Claim();
    // Set when another function resolved the package: nothing to call.
    const std::optional<std::string>& known() const { return known_; }
    // Records the DryRun's answer for the functions that wait or come later.
    void Resolve(const std::string& code_sha256);

   private:
    friend class CodeShaCache;
    Claim(CodeShaCache* cache, std::string key, std::optional<std::string> known);
    CodeShaCache* cache_;  // null: nothing to release
    std::string key_;
    std::optional<std::string> known_;
  };

  // The package's known sha, or the duty to resolve it; waits while another function is resolving
  // the same package (returns a duty when `stop` is requested meanwhile).
  Claim Acquire(const lambda::CodeSource& code, std::stop_token stop);

 private:
  void Release(const std::string& key, const std::optional<std::string>& code_sha256);

  std::mutex mu_;
  std::condition_variable_any changed_;
  std::map<std::string, std::string> known_;  // package key -> CodeSha256; guarded by mu_
  std::set<std::string> resolving_;           // packages with a DryRun in flight; mu_
};

}  // namespace ferry::delegate
