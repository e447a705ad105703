// Routing of API requests: patterns of literal and {named} path segments per method, matched
// on percent-decoded segments (so "%2F" stays inside a name). Named segments are checked with
// CheckName before a handler sees them. Also the context every route handler shares.
// Internal to src/api. Router is immutable once built and then thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api/client_limits.h"
#include "api/delegate_sightings.h"
#include "api/deploy_service.h"
#include "api/http_exchange.h"
#include "api/permissions.h"
#include "api/secret_box.h"
#include "common/change_signal.h"
#include "common/clock.h"
#include "store/store.h"

namespace ferry::delegate {
class TaskTransport;
}
namespace ferry::store {
class DelegateRegistry;
}
namespace ferry::triggers {
class TriggerEngine;
}

namespace ferry::api {
class PipelineService;  // pipeline_service.h

// Set once when the server stops; streams wait on it between polls so they end at once.
class StopSignal {
 public:
  void Stop();
  bool stopped() const;
  // Waits up to `timeout` (real time); true when stopped.
  bool WaitFor(std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;  // Guarded by mu_.
};

// Bounds the requests held open until something changes (long-polls of GET
// /api/v1/executions/{id}), so that waiting clients never take every serving thread.
// Thread-safe.
class WaitSlots {
 public:
  explicit WaitSlots(int max) : max_(max) {}
  bool TryTake();  // false when `max` requests are already waiting
  void Give();

 private:
  const int max_;
  std::atomic<int> taken_{0};
};

struct RouteContext {
  store::Store& store;
  DeployService& deploys;
  Clock& clock;
  std::function<void()> wake_engine;
  size_t max_body_bytes;
  std::chrono::milliseconds stream_poll;       // how often a log stream re-reads the store
  std::chrono::milliseconds stream_keepalive;  // comment lines that detect a gone client
  const StopSignal& stop;
  // Notified when executions advanced (by the engine in this process); null when nothing
  // notifies, and then waiting requests find changes by re-reading every stream_poll.
  const ChangeSignal* changes;
  WaitSlots& wait_slots;
  // Remote delegates (delegate_routes.cc): the server's side of the task protocol and the
  // registry; both null when the server does not serve them. claim_slots bounds held claims.
  delegate::TaskTransport* delegate_tasks;
  store::DelegateRegistry* delegates;
  WaitSlots& claim_slots;
  StreamSlots& stream_slots;                   // following log streams, per token and in all
  const SecretKeyring* secret_keys = nullptr;  // null: `source: ferry` values cannot be set
  // Which claims' sightings reach the registry (delegate_sightings.h); null: every one.
  DelegateSightings* sightings = nullptr;
  // Sign-in (session_routes.cc): session lifetimes, the cookie's Secure flag, and failed
  // sign-ins counted per user name and client address, per user name, per client address.
  struct Sessions {
    std::chrono::seconds lifetime{12 * 3600};
    std::chrono::seconds idle{30 * 60};
    bool secure_cookie = false;  // served over TLS
    AuthFailureThrottle* by_user_address = nullptr;
    AuthFailureThrottle* by_user = nullptr;
    AuthFailureThrottle* by_address = nullptr;
  };
  const Sessions* sessions = nullptr;
  // Pipeline runs and reruns (pipeline_routes.cc); null: those routes answer 501.
  PipelineService* pipelines = nullptr;
  // Webhooks and GET /api/v1/triggers' webhook paths; null: the server runs no triggers.
  triggers::TriggerEngine* triggers = nullptr;

  uint64_t ChangeGeneration() const { return changes ? changes->generation() : 0; }
  // Sleeps until a change after generation `seen` is notified, `timeout` passes or the server
  // stops; true when it stopped.
  bool WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) const;
};

using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<Result<ApiResponse>(const ApiRequest&, const PathParams&)>;

class Router {
 public:
  // pattern: "/api/v1/executions/{id}/logs"; permission: what the caller must hold somewhere
  // (permissions.h); handlers of routes that act on one application or environment check that
  // too (Require).
  void Add(const std::string& method, const std::string& pattern, Permission permission,
           RouteHandler handler);
  // A route served without authentication (sign-in); it sees a request with no principal.
  void AddPublic(const std::string& method, const std::string& pattern, RouteHandler handler);
  // A route outside /api/v1 served without authentication whose handler authenticates the
  // request itself (a webhook's signature); its {named} segments are checked like any route's.
  void AddWebhook(const std::string& method, const std::string& pattern, RouteHandler handler);
  // A route any signed-in user or service account may call (its handler decides more), never
  // a delegate token: the caller's own session and tokens.
  void AddAuthenticated(const std::string& method, const std::string& pattern,
                        RouteHandler handler);

  struct Match {
    std::string pattern;  // the route label for metrics
    Permission permission = Permission::kAdmin;
    bool is_public = false;
    bool any_principal = false;  // AddAuthenticated
    const RouteHandler* handler = nullptr;
    PathParams params;
  };
  // kNotFound when no pattern matches the path, or none with this method (the message lists
  // the methods that would); kInvalidArgument when a named segment is not a valid name.
  Result<Match> Find(const ApiRequest& request) const;
  // The public route matching method and path; nullopt for anything else (no error: an
  // unauthenticated caller learns nothing about the other routes).
  std::optional<Match> FindPublic(const ApiRequest& request) const;

  struct Entry {
    std::string method;
    std::string pattern;
    std::string permission;  // a permission name, "public" or "authenticated"
  };
  std::vector<Entry> Routes() const;  // in registration order

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Permission permission;
    bool is_public;
    bool any_principal;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// Registration of each group of routes (one file each).
void AddExecutionRoutes(Router& router, RouteContext& ctx);
void AddDeployRoutes(Router& router, RouteContext& ctx);
void AddEntityRoutes(Router& router, RouteContext& ctx);
void AddArtifactRoutes(Router& router, RouteContext& ctx);
void AddSecretRoutes(Router& router, RouteContext& ctx);
void AddDelegateRoutes(Router& router, RouteContext& ctx);
void AddAccessRoutes(Router& router, RouteContext& ctx);   // users, groups, roles, bindings
void AddSessionRoutes(Router& router, RouteContext& ctx);  // sign-in, sign-out, tokens
void AddAuditRoutes(Router& router, RouteContext& ctx);
void AddPipelineRoutes(Router& router, RouteContext& ctx);  // pipeline runs, approvals
void AddTriggerRoutes(Router& router, RouteContext& ctx);  // GET /triggers, POST /hooks/{id}
void AddIncidentRoutes(Router& router, RouteContext& ctx);  // Service Guard, periodic drift
void AddNotificationRoutes(Router& router, RouteContext& ctx);

}  // namespace ferry::api
