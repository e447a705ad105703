#include "delegate/lambda/deployer.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "common/strings.h"
#include "common/thread_name.h"
#include "lambda/config_compare.h"
#include "lambda/drift.h"
#include "lambda/rollback_plan.h"

namespace ferry::delegate {
namespace {

constexpr char kObserveOperation[] = "GetFunction+ListVersionsByFunction+ListAliases";

std::string ErrorText(const Error& error) {
  return std::string(ErrorCodeName(error.code)) + ": " + error.message;
}

// Guard failures and conflicting updates mean the function moved under us: read and decide again.
bool IsReread(const Error& error) {
  return error.code == ErrorCode::kFailedPrecondition || error.code == ErrorCode::kConflict;
}

// Throttling and service errors the aws client's retries did not outlast.
bool IsTransient(const Error& error) {
  return error.code == ErrorCode::kTooManyRequests || error.code == ErrorCode::kUnavailable;
}

Error Cancelled(const std::string& what) { return Error{ErrorCode::kCancelled, what + " aborted"}; }

std::set<std::string> Keys(const std::map<std::string, std::string>& map) {
  std::set<std::string> keys;
  for (const auto& [key, value] : map) keys.insert(key);
  return keys;
}

// True when `read` shows the function, or one of the deployment's `aliases` that it has not
// `moved`, elsewhere than the recorded snapshot says; `what` says how, for the log.
bool SnapshotDrifted(const lambda::ObservedFunction& recorded, const lambda::ObservedFunction& read,
                     const std::vector<std::string>& aliases, const std::set<std::string>& moved,
                     std::string* what) {
  if (!read.exists) {
    *what = "the function was deleted outside Ferry since Ferry last deployed it";
    return true;
  }
  if (read.arn != recorded.arn) {
    *what = "the function was replaced outside Ferry since Ferry last deployed it";
    return true;
  }
  for (const auto& name : aliases) {
    if (moved.count(name)) continue;
    const lambda::AliasState* was = recorded.FindAlias(name);
    const lambda::AliasState* now = read.FindAlias(name);
    if (was == nullptr && now == nullptr) continue;
    if (was == nullptr) {
      *what = "alias " + name + " was created outside Ferry (version " + now->version + ")";
      return true;
    }
    if (now == nullptr) {
      *what =
          "alias " + name + " was deleted outside Ferry (it was at version " + was->version + ")";
      return true;
    }
    if (was->version != now->version || !lambda::SameWeights(was->weights, now->weights)) {
      *what = "alias " + name + " was moved outside Ferry (version " + was->version + " → " +
              now->version + (now->weights.empty() ? "" : " with additional weights") + ")";
      return true;
    }
  }
  return false;
}

// The rollback target once a recorded snapshot turned out stale: the function as read, with the
// aliases this deployment moved as recorded (their guards held, so that was their state).
lambda::ObservedFunction CorrectedSnapshot(const lambda::ObservedFunction& recorded,
                                           const lambda::ObservedFunction& read,
                                           const std::set<std::string>& moved) {
  lambda::ObservedFunction out = read;
  if (!out.exists) return out;
  for (const auto& name : moved) {
    std::erase_if(out.aliases, [&](const lambda::AliasState& a) { return a.name == name; });
    if (const lambda::AliasState* was = recorded.FindAlias(name)) out.aliases.push_back(*was);
  }
  return out;
}

// What Ferry records as the state a deployment left: identity, $LATEST's configuration and tags
// (for drift; every deployment reads them afresh), versions (number and code) and aliases.
lambda::ObservedFunction AfterState(const lambda::ObservedFunction& current) {
  lambda::ObservedFunction after = current;
  for (auto& v : after.versions) v.config = {};
  return after;
}

}  // namespace

LambdaDeployer::LambdaDeployer(LambdaApi& api, DeployerOptions options)
    : api_(api), options_(std::move(options)) {}

void LambdaDeployer::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

bool LambdaDeployer::Backoff(int retry, std::stop_token stop) const {
  Duration delay = options_.transient_backoff;
  for (int i = 0; i < retry && delay < options_.max_transient_backoff; ++i) delay *= 2;
  delay = std::min(delay, options_.max_transient_backoff);
  Clock& clock = options_.clock != nullptr ? *options_.clock : SystemClock::Instance();
  return clock.SleepFor(delay, stop);
}

Result<lambda::ObservedFunction> LambdaDeployer::Read(const std::string& function_name,
                                                      std::vector<std::string>* request_ids,
                                                      std::stop_token stop) {
  for (int retry = 0;; ++retry) {
    auto observed = api_.Observe(function_name, request_ids, stop);
    if (observed.ok() || !IsTransient(observed.error()) ||
        retry >= options_.max_transient_retries) {
      return observed;
    }
    Log(function_name + ": " + observed.error().message + "; reading again");
    if (!Backoff(retry, stop)) return Cancelled("reading " + function_name);
  }
}

lambda::FunctionDeployment LambdaDeployer::Deploy(const lambda::DesiredFunction& desired_in,
                                                  const lambda::Snapshot* snapshot,
                                                  std::stop_token stop) {
  lambda::FunctionDeployment out;
  out.function_name = desired_in.function_name;
  out.started = true;
  out.managed_tags = Keys(desired_in.tags);
  out.managed_environment = Keys(desired_in.config.environment);
  out.deployed_aliases.insert(desired_in.aliases.begin(), desired_in.aliases.end());
  lambda::DesiredFunction desired = desired_in;
  const lambda::ObservedFunction* recorded = snapshot != nullptr ? &snapshot->function : nullptr;

  int transient = 0;  // transient retries so far (DeployerOptions::max_transient_retries)
  // With a snapshot, versions and aliases come from it until the first full read (see
  // deployer.h); versions known only from it have their environment values redacted, so no
  // decision may match one of them.
  bool lists_recorded = false;
  std::set<std::string> recorded_versions;
  // A recorded snapshot holds until a full read confirms it (or shows it stale: drift).
  bool confirmed = snapshot == nullptr || snapshot->source == lambda::SnapshotSource::kRead;
  std::set<std::string> moved;  // aliases this run moved with a guarded call: recorded state held
  // Alias moves that failed transiently: they may have taken effect (alias → where it went).
  std::map<std::string, lambda::AliasState> uncertain;
  bool drift = false;  // a full read showed the recorded snapshot stale: stop
  // A read (everything, or with `latest_only` GetFunction alone), retried while transient.
  auto read = [&](bool latest_only) -> Result<lambda::ObservedFunction> {
    for (;;) {
      lambda::CallRecord call{latest_only ? "GetFunction" : kObserveOperation,
                              "read " + desired.function_name,
                              false,
                              {},
                              ""};
      auto observed = latest_only
                          ? api_.ObserveLatest(desired.function_name, &call.request_ids, stop)
                          : api_.Observe(desired.function_name, &call.request_ids, stop);
      if (!observed.ok()) call.error = ErrorText(observed.error());
      out.calls.push_back(std::move(call));
      if (observed.ok() && !latest_only) {
        lists_recorded = false;
        recorded_versions.clear();
        if (!confirmed) {
          if (options_.earlier_attempts) {
            for (const auto& name : desired.aliases) {
              if (lambda::CarriesNewerVersion(*recorded, *observed, name)) moved.insert(name);
            }
          }
          for (const auto& [name, target] : uncertain) {
            const lambda::AliasState* now = observed->FindAlias(name);
            if (now != nullptr && now->version == target.version &&
                lambda::SameWeights(now->weights, target.weights)) {
              moved.insert(name);
            }
          }
          std::string what;
          if (SnapshotDrifted(*recorded, *observed, desired.aliases, moved, &what)) {
            drift = true;
            out.drifted = true;
            out.drift = what;
            out.snapshot = CorrectedSnapshot(*recorded, *observed, moved);
            out.snapshot_confirmed = true;
            out.moved_aliases = moved;
            Log(desired.function_name + ": " + what +
                "; the rollback target is corrected before any such alias moves");
          } else {
            confirmed = true;
          }
        }
      }
      if (observed.ok() || !IsTransient(observed.error()) ||
          transient >= options_.max_transient_retries) {
        return observed;
      }
      Log(desired.function_name + ": " + observed.error().message + "; reading again");
      if (!Backoff(transient++, stop)) return Cancelled("deploying " + desired.function_name);
    }
  };
  auto observe = [&] { return read(false); };
  auto observe_latest = [&] { return read(true); };
  auto fail = [&](Error error) {
    Log(desired.function_name + ": failed: " + error.message);
    out.error = std::move(error);
    out.snapshot_confirmed = confirmed;
    out.moved_aliases = moved;
    return std::move(out);
  };

  if (auto status = lambda::ValidateDesired(desired); !status.ok()) return fail(status.error());
  Result<lambda::ObservedFunction> first = Error{ErrorCode::kInternal, "not read"};
  if (recorded != nullptr && recorded->exists && options_.reuse_recorded_lists) {
    first = observe_latest();
    if (first.ok() && first->exists && first->arn == recorded->arn) {
      first->versions = recorded->versions;
      first->aliases = recorded->aliases;
      lists_recorded = true;
      for (const lambda::VersionInfo& v : first->versions) recorded_versions.insert(v.version);
    } else if (first.ok()) {
      first = observe();  // not the function the snapshot saw: read it all
    }
  } else {
    first = observe();
  }
  if (!first.ok()) return fail(first.error());
  if (recorded != nullptr && recorded->exists && first->exists) {
    // A known state with a role holds $LATEST's configuration and tags (records.h).
    const auto drift = lambda::FindDrift({*recorded, !recorded->config.role.empty()}, *first);
    if (!drift.empty()) {
      std::vector<std::string> items;
      for (const auto& d : drift) items.push_back(lambda::DescribeDrift(d));
      Log(desired.function_name + ": changed outside Ferry since Ferry last left it: " +
          Join(items, "; ") + "; this deployment puts back what the configuration declares");
    }
  }
  out.snapshot_taken = true;
  if (drift) return out;
  lambda::ObservedFunction current = std::move(first).value();
  out.snapshot = recorded != nullptr ? *recorded : current;
  // The planner compares versions only with the code being deployed (MatchingVersion).
  auto could_match_recorded = [&] {
    const std::string& sha = desired.code.code_sha256;
    return !sha.empty() && std::any_of(current.versions.begin(), current.versions.end(),
                                       [&](const lambda::VersionInfo& v) {
                                         return recorded_versions.count(v.version) > 0 &&
                                                v.code_sha256 == sha;
                                       });
  };

  int rereads = 0;
  for (int step = 0;; ++step) {
    if (stop.stop_requested()) return fail(Error{ErrorCode::kCancelled, "deployment aborted"});
    if (lists_recorded && could_match_recorded()) {
      Log(desired.function_name +
          ": a version recorded in the snapshot has this code; reading the versions");
      auto full = observe();
      if (!full.ok()) return fail(full.error());
      if (drift) return out;
      current = std::move(full).value();
    }
    if (step >= options_.max_actions) {
      return fail(Error{ErrorCode::kInternal, "deploying " + desired.function_name +
                                                  " did not converge after " +
                                                  std::to_string(options_.max_actions) + " calls"});
    }
    auto next = lambda::NextDeployAction(desired, current);
    if (!next.ok()) return fail(next.error());
    const lambda::DeployAction& action = *next;
    if (action.kind == lambda::DeployActionKind::kDone) {
      out.function_arn = current.arn;
      out.version = action.version;
      out.code_sha256 = current.code_sha256;
      out.version_count = static_cast<int>(std::count_if(
          current.versions.begin(), current.versions.end(),
          [](const lambda::VersionInfo& v) { return lambda::ParseVersionNumber(v.version); }));
      for (const auto& name : desired.aliases) {
        if (const lambda::AliasState* alias = current.FindAlias(name)) {
          if (std::none_of(out.aliases.begin(), out.aliases.end(),
                           [&](const lambda::AliasState& a) { return a.name == name; })) {
            out.aliases.push_back(*alias);
          }
        }
      }
      out.after = AfterState(current);
      out.snapshot_confirmed = confirmed;
      out.moved_aliases = moved;
      Log(desired.function_name + ": deployed version " + action.version);
      return out;
    }
    // A package another function of this deployment resolved needs no DryRun of its own.
    std::optional<CodeShaCache::Claim> sha_claim;
    if (action.kind == lambda::DeployActionKind::kResolveCodeSha) {
      sha_claim.emplace(shas_.Acquire(desired.code, stop));
      if (sha_claim->known()) {
        desired.code.code_sha256 = *sha_claim->known();
        continue;
      }
    }

    lambda::CallRecord call{std::string(lambda::DeployActionName(action.kind)),
                            lambda::DescribeDeployAction(action),
                            lambda::IsMutating(action.kind),
                            {},
                            ""};
    Log(desired.function_name + ": " + call.description + " — " + action.reason);
    const bool alias_move = action.kind == lambda::DeployActionKind::kUpdateAlias ||
                            action.kind == lambda::DeployActionKind::kCreateAlias;
    auto applied = api_.Apply(action, current, stop);
    if (applied.ok()) {
      call.request_ids = applied->request_ids;
      out.calls.push_back(std::move(call));
      current = std::move(applied->function);
      if (alias_move) {
        moved.insert(action.alias);
        uncertain.erase(action.alias);
      }
      if (action.kind == lambda::DeployActionKind::kResolveCodeSha) {
        if (applied->resolved_code_sha256.empty()) {
          return fail(Error{ErrorCode::kUnavailable, "UpdateFunctionCode DryRun for " +
                                                         desired.function_name +
                                                         " returned no CodeSha256"});
        }
        desired.code.code_sha256 = applied->resolved_code_sha256;
        sha_claim->Resolve(desired.code.code_sha256);
      }
      if (action.kind == lambda::DeployActionKind::kCreateFunction &&
          desired.code.code_sha256.empty()) {
        desired.code.code_sha256 = current.code_sha256;
      }
      continue;
    }
    const Error& error = applied.error();
    call.error = ErrorText(error);
    if (auto it = error.details.find("request_id"); it != error.details.end()) {
      call.request_ids.push_back(it->second);
    }
    out.calls.push_back(std::move(call));
    const bool wait = action.kind == lambda::DeployActionKind::kWaitUntilActive ||
                      action.kind == lambda::DeployActionKind::kWaitUntilUpdated;
    // An alias the snapshot showed may have been deleted since: read and decide again.
    const bool stale = (lists_recorded || !confirmed) && error.code == ErrorCode::kNotFound &&
                       action.kind == lambda::DeployActionKind::kUpdateAlias;
    if (!wait && (IsReread(error) || stale) && rereads < options_.max_rereads) {
      ++rereads;
      Log(desired.function_name + ": " + error.message + "; reading the function again");
      auto reread = observe();
      if (!reread.ok()) return fail(reread.error());
      if (drift) return out;
      current = std::move(reread).value();
      continue;
    }
    if (IsTransient(error) && transient < options_.max_transient_retries) {
      // The call may or may not have taken effect: read, then decide again. An alias found
      // where this move put it was moved by it (its guard held).
      if (alias_move) {
        uncertain[action.alias] =
            lambda::AliasState{action.alias, action.version, action.weights, "", ""};
      }
      Log(desired.function_name + ": " + error.message + "; reading the function again");
      if (!Backoff(transient++, stop)) return fail(Cancelled("deploying " + desired.function_name));
      auto reread = observe();
      if (!reread.ok()) return fail(reread.error());
      if (drift) return out;
      current = std::move(reread).value();
      continue;
    }
    // AWS's message rarely says which call or object failed (NoSuchKey names no key): lead with
    // the call as described, e.g. "UpdateFunctionCode orders-api from s3://bucket/key: ...".
    Error named = error;
    named.message = out.calls.back().description + ": " + error.message;
    return fail(std::move(named));
  }
}

void LambdaDeployer::ForEachConcurrently(size_t n, const std::function<bool(size_t)>& fn) const {
  std::atomic<size_t> next{0};
  std::atomic<bool> keep_going{true};
  auto worker = [&] {
    while (keep_going.load()) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      if (!fn(i)) keep_going.store(false);
    }
  };
  size_t workers = std::min(n, std::max<size_t>(1, options_.concurrency));
  std::vector<std::jthread> threads;
  for (size_t w = 1; w < workers; ++w) {
    threads.emplace_back([&] {
      SetThreadName("ferry-lambda");
      worker();
    });
  }
  worker();
}

std::vector<lambda::FunctionDeployment> LambdaDeployer::DeployAll(
    const std::vector<lambda::DesiredFunction>& functions,
    const std::vector<const lambda::Snapshot*>& snapshots, std::stop_token stop) {
  std::vector<lambda::FunctionDeployment> results(functions.size());
  for (size_t i = 0; i < functions.size(); ++i) {
    results[i].function_name = functions[i].function_name;
  }
  ForEachConcurrently(functions.size(), [&](size_t i) {
    const lambda::Snapshot* snapshot = i < snapshots.size() ? snapshots[i] : nullptr;
    results[i] = Deploy(functions[i], snapshot, stop);
    return results[i].ok() || results[i].drifted;
  });
  return results;
}

lambda::RollbackReport LambdaDeployer::Rollback(const lambda::ObservedFunction& target,
                                                const lambda::RollbackOptions& options,
                                                std::stop_token stop) {
  lambda::RollbackReport report;
  report.function_name = target.function_name;
  int transient = 0;
  // A throttled or unavailable call: wait, then read and re-plan. False when out of retries.
  auto retry_transient = [&](const Error& error) {
    if (!IsTransient(error) || transient >= options_.max_transient_retries) return false;
    Log(target.function_name + ": rollback: " + error.message + "; reading again");
    return Backoff(transient++, stop);
  };
  int rereads = 0;
  for (;;) {
    lambda::CallRecord read{kObserveOperation, "read " + target.function_name, false, {}, ""};
    auto current = api_.Observe(target.function_name, &read.request_ids, stop);
    if (!current.ok()) read.error = ErrorText(current.error());
    report.calls.push_back(std::move(read));
    if (!current.ok()) {
      if (retry_transient(current.error())) continue;
      report.error = current.error();
      return report;
    }
    auto plan = lambda::PlanRollback(target, *current, options);
    if (!plan.ok()) {
      report.error = plan.error();
      Log(target.function_name + ": rollback impossible: " + plan.error().message);
      return report;
    }
    bool reread = false;
    for (const auto& action : *plan) {
      lambda::CallRecord call{std::string(lambda::RollbackActionName(action.kind)),
                              lambda::DescribeRollbackAction(action),
                              true,
                              {},
                              ""};
      Log(target.function_name + ": rollback: " + call.description + " — " + action.reason);
      Status status = api_.ApplyRollback(action, &call.request_ids, stop);
      if (!status.ok()) call.error = ErrorText(status.error());
      report.calls.push_back(std::move(call));
      if (status.ok()) continue;
      if (IsReread(status.error()) && rereads < options_.max_rereads) {
        ++rereads;
        reread = true;  // the alias moved since we read it: read again and re-plan
        break;
      }
      if (retry_transient(status.error())) {
        reread = true;
        break;
      }
      report.error = status.error();
      return report;
    }
    if (!reread) {
      Log(target.function_name + ": rolled back");
      return report;
    }
  }
}

std::vector<lambda::RollbackReport> LambdaDeployer::RollbackAll(
    const std::vector<lambda::RollbackTarget>& functions, bool keep_created_functions,
    std::stop_token stop) {
  std::vector<lambda::RollbackReport> reports(functions.size());
  ForEachConcurrently(functions.size(), [&](size_t i) {
    lambda::RollbackOptions options;
    options.keep_created_function = keep_created_functions;
    options.deployed_aliases = functions[i].aliases;
    options.only_newer_versions = functions[i].unconfirmed;
    reports[i] = Rollback(functions[i].snapshot, options, stop);
    return true;  // roll back every function even when one fails
  });
  return reports;
}

Result<std::string> LambdaDeployer::ResolveCodeSha(const lambda::DesiredFunction& desired,
                                                   const lambda::ObservedFunction& current,
                                                   std::vector<std::string>* request_ids,
                                                   std::stop_token stop) {
  if (!desired.code.code_sha256.empty()) return desired.code.code_sha256;
  CodeShaCache::Claim claim = shas_.Acquire(desired.code, stop);
  if (claim.known()) return *claim.known();
  lambda::DeployAction dry;
  dry.kind = lambda::DeployActionKind::kResolveCodeSha;
  dry.function_name = desired.function_name;
  dry.code = desired.code;
  dry.config = desired.config;
  auto applied = api_.Apply(dry, current, stop);
  if (!applied.ok()) return applied.error();
  if (request_ids != nullptr) {
    request_ids->insert(request_ids->end(), applied->request_ids.begin(),
                        applied->request_ids.end());
  }
  if (applied->resolved_code_sha256.empty()) {
    return Error{ErrorCode::kUnavailable, "UpdateFunctionCode DryRun for " + desired.function_name +
                                              " returned no CodeSha256"};
  }
  claim.Resolve(applied->resolved_code_sha256);
  return applied->resolved_code_sha256;
}

lambda::PruneReport LambdaDeployer::Prune(const std::string& function_name,
                                          const lambda::PruneOptions& options,
                                          std::stop_token stop) {
  lambda::PruneReport report;
  report.function_name = function_name;
  lambda::CallRecord read{kObserveOperation, "read " + function_name, false, {}, ""};
  auto current = Read(function_name, &read.request_ids, stop);
  if (!current.ok()) read.error = ErrorText(current.error());
  report.calls.push_back(std::move(read));
  if (!current.ok()) {
    report.error = current.error();
    return report;
  }
  for (const auto& version : lambda::PlanPrune(*current, options)) {
    lambda::CallRecord call{
        "DeleteFunction", "DeleteFunction " + function_name + ":" + version, true, {}, ""};
    Status status = api_.DeleteVersion(function_name, version, &call.request_ids, stop);
    if (!status.ok()) call.error = ErrorText(status.error());
    report.calls.push_back(std::move(call));
    if (!status.ok()) {
      // An alias moved onto the version since we read (ResourceConflictException): keep it.
      if (status.error().code == ErrorCode::kConflict) continue;
      report.error = status.error();
      return report;
    }
    report.deleted.push_back(version);
  }
  Log(function_name + ": pruned " + std::to_string(report.deleted.size()) + " version(s)");
  return report;
}

}  // namespace ferry::delegate
