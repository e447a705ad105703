#include "api/router.h"

#include <algorithm>

#include "api/request_input.h"
#include "common/strings.h"

namespace ferry::api {

void StopSignal::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool StopSignal::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

bool StopSignal::WaitFor(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return stopped_; });
}

bool WaitSlots::TryTake() {
  int taken = taken_.load();
  while (taken < max_) {
    if (taken_.compare_exchange_weak(taken, taken + 1)) return true;
  }
  return false;
}

void WaitSlots::Give() { taken_.fetch_sub(1); }

bool RouteContext::WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) const {
  if (changes == nullptr) return stop.WaitFor(timeout);
  if (stop.stopped()) return true;
  changes->WaitFor(seen, timeout);  // ApiServer::Stop notifies, so a stop ends this wait too
  return stop.stopped();
}

void Router::Add(const std::string& method, const std::string& pattern, Permission permission,
                 RouteHandler handler) {
  std::vector<std::string> segments = Split(std::string_view(pattern).substr(1), '/');
  routes_.push_back(
      {method, pattern, std::move(segments), permission, false, false, std::move(handler)});
}

void Router::AddAuthenticated(const std::string& method, const std::string& pattern,
                              RouteHandler handler) {
  std::vector<std::string> segments = Split(std::string_view(pattern).substr(1), '/');
  routes_.push_back(
      {method, pattern, std::move(segments), Permission::kView, false, true, std::move(handler)});
}

void Router::AddPublic(const std::string& method, const std::string& pattern,
                       RouteHandler handler) {
  std::vector<std::string> segments = Split(std::string_view(pattern).substr(1), '/');
  routes_.push_back(
      {method, pattern, std::move(segments), Permission::kAdmin, true, false, std::move(handler)});
}

std::optional<Router::Match> Router::FindPublic(const ApiRequest& request) const {
  for (const Route& route : routes_) {
    if (!route.is_public || route.method != request.method ||
        route.segments.size() != request.segments.size()) {
      continue;
    }
    PathParams params;
    bool matched = true;
    for (size_t i = 0; i < route.segments.size() && matched; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        // A webhook's id: a bad one is just no route (an unauthenticated caller learns nothing).
        matched = CheckName("path segment", request.segments[i]).ok();
        params[want.substr(1, want.size() - 2)] = request.segments[i];
      } else {
        matched = want == request.segments[i];
      }
    }
    if (!matched) continue;
    return Match{route.pattern, route.permission, true, false, &route.handler, std::move(params)};
  }
  return std::nullopt;
}

void Router::AddWebhook(const std::string& method, const std::string& pattern,
                        RouteHandler handler) {
  AddPublic(method, pattern, std::move(handler));
}

std::vector<Router::Entry> Router::Routes() const {
  std::vector<Entry> out;
  for (const Route& route : routes_) {
    out.push_back({route.method, route.pattern,
                   route.is_public       ? "public"
                   : route.any_principal ? "authenticated"
                                         : std::string(PermissionName(route.permission))});
  }
  return out;
}

Result<Router::Match> Router::Find(const ApiRequest& request) const {
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != request.segments.size()) continue;
    PathParams params;
    bool matched = true;
    for (size_t i = 0; i < route.segments.size() && matched; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        params[want.substr(1, want.size() - 2)] = request.segments[i];
      } else {
        matched = want == request.segments[i];
      }
    }
    if (!matched) continue;
    if (route.method != request.method) {
      if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
        allowed.push_back(route.method);
      }
      continue;
    }
    for (const auto& [name, value] : params) {
      FERRY_RETURN_IF_ERROR(CheckName("path segment {" + name + "}", value));
    }
    return Match{route.pattern,       route.permission, route.is_public,
                 route.any_principal, &route.handler,   std::move(params)};
  }
  if (!allowed.empty()) {
    Error error = NotFound(request.method + " is not supported on " +
                           QuoteForMessage(request.path, 120) + "; use " + Join(allowed, " or "));
    error.details["allow"] = Join(allowed, ", ");
    return error;
  }
  return NotFound("no API route " + request.method + " " + QuoteForMessage(request.path, 120) +
                  " (see docs/api.md)");
}

}  // namespace ferry::api
