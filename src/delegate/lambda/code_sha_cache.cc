#include "delegate/lambda/code_sha_cache.h"

namespace ferry::delegate {
namespace {

// "" for packages that are not shared (inline zips, nothing at all).
std::string PackageKey(const lambda::CodeSource& code) {
  if (!code.image_uri.empty()) return "image\n" + code.image_uri;
  if (!code.s3_bucket.empty() && !code.s3_key.empty()) {
    return "s3\n" + code.s3_bucket + "\n" + code.s3_key + "\n" + code.s3_object_version;
  }
  return "";
}

}  // namespace

CodeShaCache::Claim::Claim(CodeShaCache* cache, std::string key, std::optional<std::string> known)
    : cache_(cache), key_(std::move(key)), known_(std::move(known)) {}

CodeShaCache::Claim::Claim(Claim&& other) noexcept
    : cache_(other.cache_), key_(std::move(other.key_)), known_(std::move(other.known_)) {
  other.cache_ = nullptr;
}

CodeShaCache::Claim::~Claim() {
  if (cache_ != nullptr) cache_->Release(key_, std::nullopt);
}

void CodeShaCache::Claim::Resolve(const std::string& code_sha256) {
  if (cache_ == nullptr) return;
  cache_->Release(key_, code_sha256);
  cache_ = nullptr;
}

CodeShaCache::Claim CodeShaCache::Acquire(const lambda::CodeSource& code, std::stop_token stop) {
  std::string key = PackageKey(code);
  if (key.empty()) return Claim(nullptr, "", std::nullopt);
  std::unique_lock lock(mu_);
  changed_.wait(lock, stop, [&] { return known_.count(key) != 0 || resolving_.count(key) == 0; });
  if (auto it = known_.find(key); it != known_.end()) return Claim(nullptr, key, it->second);
  if (resolving_.count(key) != 0) return Claim(nullptr, key, std::nullopt);  // stop requested
  resolving_.insert(key);
  return Claim(this, key, std::nullopt);
}

void CodeShaCache::Release(const std::string& key, const std::optional<std::string>& code_sha256) {
  {
    std::lock_guard lock(mu_);
    resolving_.erase(key);
    if (code_sha256 && !code_sha256->empty()) known_[key] = *code_sha256;
  }
  changed_.notify_all();
}

}  // namespace ferry::delegate
