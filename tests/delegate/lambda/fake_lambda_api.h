// FakeLambdaApi: an in-memory Lambda as strict as AWS and as AwsLambdaApi (its only real
// counterpart): RevisionId and CodeSha256 guards, ResourceConflictException while an update is
// in progress, UpdateAlias of a missing alias or to a missing version is ResourceNotFound,
// CreateAlias of an existing alias is ResourceConflict, versions referenced by aliases can't be
// deleted; deleting what is already gone (an alias, a function, a version) succeeds, as the
// adapter makes it. For deployer tests that need to inject a failure at any call.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "delegate/lambda/lambda_api.h"

namespace ferry::delegate::fakes {

using namespace ::ferry::lambda;  // the domain types the fake speaks

class FakeLambdaApi final : public LambdaApi {
 public:
  // Called before every operation takes effect with (operation, function); a returned Error is
  // the call's result and nothing changes. May mutate the world through World().
  std::function<std::optional<Error>(const std::string&, const std::string&)> fault;
  // When set, a wait for an update ends Failed with this reason.
  std::string fail_updates_with;

  Result<ObservedFunction> Observe(const std::string& name, std::vector<std::string>* ids,
                                   std::stop_token) override {
    if (auto e = Fault("Observe", name)) return *e;
    ++full_reads_;
    return Read(name, ids);
  }

  // GetFunction alone: the function without its versions and aliases.
  Result<ObservedFunction> ObserveLatest(const std::string& name, std::vector<std::string>* ids,
                                         std::stop_token) override {
    if (auto e = Fault("ObserveLatest", name)) return *e;
    ++latest_reads_;
    ObservedFunction f = Read(name, ids);
    f.versions.clear();
    f.aliases.clear();
    return f;
  }

  Result<ApiOutcome> Apply(const DeployAction& a, const ObservedFunction& current,
                           std::stop_token stop) override {
    const std::string op(DeployActionName(a.kind));
    Enter();
    struct Exit {
      FakeLambdaApi* self;
      ~Exit() { self->in_flight_--; }
    } exit{this};
    if (stop.stop_requested()) return Error{ErrorCode::kCancelled, "stopped"};
    if (auto e = Fault(op, a.function_name)) return *e;
    std::lock_guard lock(mu_);
    calls_.push_back(op + " " + a.function_name);
    ApiOutcome out;
    out.request_ids.push_back("req-" + std::to_string(++request_));
    auto it = world_.find(a.function_name);
    if (a.kind == DeployActionKind::kCreateFunction) {
      if (it != world_.end()) return Error{ErrorCode::kConflict, "Function already exist"};
      ObservedFunction f;
      f.exists = true;
      f.function_name = a.function_name;
      f.arn = "arn:aws:lambda:us-east-1:000000000000:function:" + a.function_name;
      f.config = a.config;
      f.code_sha256 = Sha(a.code);
      f.revision_id = NewRevision();
      f.state = "Pending";
      f.tags = a.tags;
      out.function = world_[a.function_name] = f;
      return out;
    }
    if (it == world_.end()) return Error{ErrorCode::kNotFound, "Function not found"};
    ObservedFunction& f = it->second;
    auto guard = [&](const std::string& revision) -> std::optional<Error> {
      if (f.last_update_status == "InProgress" || f.state == "Pending") {
        return Error{ErrorCode::kConflict, "The operation cannot be performed at this time."};
      }
      if (!revision.empty() && revision != f.revision_id) {
        return Error{ErrorCode::kFailedPrecondition, "The Revision Id provided does not match"};
      }
      return std::nullopt;
    };
    switch (a.kind) {
      case DeployActionKind::kWaitUntilActive:
        f.state = "Active";
        break;
      case DeployActionKind::kWaitUntilUpdated:
        if (!fail_updates_with.empty()) {
          f.last_update_status = "Failed";
          return Error{ErrorCode::kFailedPrecondition,
                       "function " + a.function_name + ": the update failed: " + fail_updates_with};
        }
        f.last_update_status = "Successful";
        break;
      case DeployActionKind::kResolveCodeSha:
        out.resolved_code_sha256 = Sha(a.code);
        break;
      case DeployActionKind::kUpdateCode:
        if (auto e = guard(a.revision_id)) return *e;
        f.code_sha256 = Sha(a.code);
        f.config.architectures = a.config.architectures;
        f.revision_id = NewRevision();
        f.last_update_status = "InProgress";
        break;
      case DeployActionKind::kUpdateConfiguration: {
        if (auto e = guard(a.revision_id)) return *e;
        auto arch = f.config.architectures;
        f.config = a.config;
        f.config.architectures = arch;
        f.revision_id = NewRevision();
        f.last_update_status = "InProgress";
        break;
      }
      case DeployActionKind::kPublishVersion: {
        if (auto e = guard(a.revision_id)) return *e;
        if (a.code_sha256 != f.code_sha256) {
          return Error{ErrorCode::kFailedPrecondition, "CodeSha256 does not match"};
        }
        publishes_++;
        f.versions.push_back(
            VersionInfo{std::to_string(++next_version_[a.function_name]), f.code_sha256, f.config});
        break;
      }
      case DeployActionKind::kCreateAlias:
        if (f.FindAlias(a.alias)) return Error{ErrorCode::kConflict, "Alias already exists"};
        if (!f.FindVersion(a.version)) return Error{ErrorCode::kNotFound, "no such version"};
        f.aliases.push_back(
            AliasState{a.alias, a.version, a.weights, NewRevision(), f.arn + ":" + a.alias});
        break;
      case DeployActionKind::kUpdateAlias:
        if (!f.FindAlias(a.alias)) return Error{ErrorCode::kNotFound, "Alias not found"};
        if (!f.FindVersion(a.version)) return Error{ErrorCode::kNotFound, "no such version"};
        for (auto& alias : f.aliases) {
          if (alias.name != a.alias) continue;
          if (!a.revision_id.empty() && a.revision_id != alias.revision_id) {
            return Error{ErrorCode::kFailedPrecondition, "alias revision does not match"};
          }
          alias.version = a.version;
          alias.weights = a.weights;
          alias.revision_id = NewRevision();
        }
        break;
      case DeployActionKind::kUntagResource:
        for (const auto& key : a.tag_keys) f.tags.erase(key);
        break;
      case DeployActionKind::kTagResource:
        for (const auto& [key, value] : a.tags) f.tags[key] = value;
        break;
      case DeployActionKind::kCreateFunction:
      case DeployActionKind::kDone:
        break;
    }
    // As AwsLambdaApi does: the response folded into `current` ($LATEST as it is now, the
    // caller's versions and aliases with what this call changed), never a fresh list.
    out.function = f;
    out.function.versions = current.versions;
    out.function.aliases = current.aliases;
    if (a.kind == DeployActionKind::kPublishVersion)
      out.function.versions.push_back(f.versions.back());
    if (a.kind == DeployActionKind::kCreateAlias || a.kind == DeployActionKind::kUpdateAlias) {
      std::erase_if(out.function.aliases, [&](const AliasState& s) { return s.name == a.alias; });
      if (const AliasState* alias = f.FindAlias(a.alias)) out.function.aliases.push_back(*alias);
    }
    return out;
  }

  Status ApplyRollback(const RollbackAction& a, std::vector<std::string>* ids,
                       std::stop_token) override {
    if (auto e = Fault(std::string(RollbackActionName(a.kind)), a.function_name)) return *e;
    std::lock_guard lock(mu_);
    calls_.push_back("Rollback" + std::string(RollbackActionName(a.kind)) + " " + a.function_name);
    if (ids) ids->push_back("req-" + std::to_string(++request_));
    auto it = world_.find(a.function_name);
    const bool deletes = a.kind == RollbackActionKind::kDeleteFunction ||
                         a.kind == RollbackActionKind::kDeleteAlias;
    if (it == world_.end()) {
      if (deletes) return Ok();  // already gone: AwsLambdaApi treats NotFound as done
      return Error{ErrorCode::kNotFound, "Function not found: " + a.function_name};
    }
    ObservedFunction& f = it->second;
    auto version_exists = [&] {
      if (!f.FindVersion(a.version)) return false;
      for (const auto& [version, weight] : a.weights) {
        if (!f.FindVersion(version)) return false;
      }
      return true;
    };
    switch (a.kind) {
      case RollbackActionKind::kDeleteFunction:
        world_.erase(it);
        break;
      case RollbackActionKind::kDeleteAlias:
        std::erase_if(f.aliases, [&](const AliasState& s) { return s.name == a.alias; });
        break;
      case RollbackActionKind::kCreateAlias:
        if (f.FindAlias(a.alias)) return Error{ErrorCode::kConflict, "Alias already exists"};
        if (!version_exists()) return Error{ErrorCode::kNotFound, "no such version"};
        f.aliases.push_back(AliasState{a.alias, a.version, a.weights, NewRevision(), ""});
        break;
      case RollbackActionKind::kUpdateAlias:
        if (!f.FindAlias(a.alias)) return Error{ErrorCode::kNotFound, "Alias not found"};
        if (!version_exists()) return Error{ErrorCode::kNotFound, "no such version"};
        for (auto& alias : f.aliases) {
          if (alias.name != a.alias) continue;
          if (a.revision_id != alias.revision_id) {
            return Error{ErrorCode::kFailedPrecondition, "alias revision does not match"};
          }
          alias.version = a.version;
          alias.weights = a.weights;
          alias.revision_id = NewRevision();
        }
        break;
    }
    return Ok();
  }

  Status DeleteVersion(const std::string& name, const std::string& version,
                       std::vector<std::string>*, std::stop_token) override {
    if (auto e = Fault("DeleteVersion", name)) return *e;
    std::lock_guard lock(mu_);
    calls_.push_back("DeleteVersion " + name + ":" + version);
    auto it = world_.find(name);
    if (it == world_.end()) return Ok();  // already gone, as AwsLambdaApi makes it
    auto& f = it->second;
    for (const auto& alias : f.aliases) {
      if (alias.version == version || alias.weights.count(version)) {
        return Error{ErrorCode::kConflict, "version is referenced by an alias"};
      }
    }
    std::erase_if(f.versions, [&](const VersionInfo& v) { return v.version == version; });
    return Ok();
  }

  // Direct access for test setup and assertions (not concurrently with calls).
  std::map<std::string, ObservedFunction>& World() { return world_; }
  std::vector<std::string> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int publishes() const { return publishes_; }
  int full_reads() const { return full_reads_; }      // Observe calls
  int latest_reads() const { return latest_reads_; }  // ObserveLatest calls
  int max_in_flight() const { return max_in_flight_; }
  std::string NewRevisionForTest() {
    std::lock_guard lock(mu_);
    return NewRevision();
  }

 private:
  // The function as the world holds it (exists == false when there is none), one request id.
  ObservedFunction Read(const std::string& name, std::vector<std::string>* ids) {
    std::lock_guard lock(mu_);
    if (ids) ids->push_back("req-" + std::to_string(++request_));
    if (auto it = world_.find(name); it != world_.end()) return it->second;
    ObservedFunction missing;
    missing.function_name = name;
    return missing;
  }
  std::optional<Error> Fault(const std::string& op, const std::string& fn) {
    return fault ? fault(op, fn) : std::nullopt;
  }
  void Enter() {
    int now = ++in_flight_;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
  }
  static std::string Sha(const CodeSource& code) {
    if (!code.code_sha256.empty()) return code.code_sha256;
    return "sha-of-" + code.s3_bucket + "/" + code.s3_key + code.zip_file + code.image_uri;
  }
  std::string NewRevision() { return "rev-" + std::to_string(++revision_); }

  std::mutex mu_;
  std::map<std::string, ObservedFunction> world_;
  std::map<std::string, int> next_version_;
  std::vector<std::string> calls_;
  int revision_ = 0;
  int request_ = 0;
  int publishes_ = 0;
  std::atomic<int> full_reads_{0};
  std::atomic<int> latest_reads_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
};

}  // namespace ferry::delegate::fakes
