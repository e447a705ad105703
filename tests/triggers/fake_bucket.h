// An in-memory S3 bucket behind triggers::ObjectLister, with ListObjectsV2's semantics that the
// poller relies on: keys in byte order, Prefix, StartAfter, pages of `page_size` with a
// continuation token. A fake because the diff logic is tested without a network; the real
// listing is exercised against `ferry sandbox` in tests/ferry/e2e_triggers_test.cc.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "common/crypto.h"
#include "triggers/artifact_poll.h"

namespace ferry::triggers::testing {

class FakeBucket final : public ObjectLister {
 public:
  void Put(const std::string& key, const std::string& etag, TimePoint modified) {
    std::lock_guard lock(mu_);
    objects_[key] = ListedObject{key, "\"" + etag + "\"", modified, 100};
  }
  Result<ListPage> List(const ListRequest& r) override {
    std::lock_guard lock(mu_);
    ++calls_;
    last_ = r;
    if (fail_) return Unavailable("injected listing failure");
    ListPage page;
    auto it = r.continuation_token.empty() ? objects_.upper_bound(r.start_after)
                                           : objects_.upper_bound(r.continuation_token);
    for (; it != objects_.end(); ++it) {
      if (!it->first.starts_with(r.prefix)) continue;
      if (page.objects.size() == page_size_) {
        page.next_token = page.objects.back().key;
        break;
      }
      page.objects.push_back(it->second);
    }
    return page;
  }
  // A stand-in digest: base64 of the SHA-256 of the ETag (the bytes are not kept).
  Result<std::string> CodeSha256(const ListRequest&, const std::string& key,
                                 const std::string& etag) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFound("no such key");
    if (it->second.etag != etag) return Unavailable("changed");
    return Base64Encode(Sha256(etag));
  }
  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  ListRequest last() const {
    std::lock_guard lock(mu_);
    return last_;
  }
  void set_page_size(size_t n) { page_size_ = n; }
  void set_fail(bool fail) { fail_ = fail; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, ListedObject> objects_;  // guarded by mu_
  int calls_ = 0;                                // guarded by mu_
  ListRequest last_;                             // guarded by mu_
  size_t page_size_ = 1000;
  bool fail_ = false;
};

}  // namespace ferry::triggers::testing
