// The sandbox front: everything between an HTTP request and a service's Handle.
//
//   1. /_ferry/... admin routes (unsigned, loopback only): health, faults, and routes services
//      register (e.g. Lambda code downloads).
//   2. Routing to a service as AWS does: the SigV4 credential scope's service name, else the
//      X-Amz-Target prefix, the Host's service label, the query protocol's Action, the path.
//   3. SigV4 verification (Authenticator) with each service's own error codes; unsigned requests
//      are rejected as AWS rejects them.
//   4. Fault injection (added latency, injected errors) per operation.
//   5. `--quota`: Lambda control-plane rate quotas per account (TooManyRequestsException, 429).
//   6. Content-Encoding: gzip bodies (all services but S3) are inflated after verification, with
//      a size cap (413) against zip bombs.
//
// Handle is thread-safe; AddService/AddAdminRoute must be called before serving.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/auth.h"
#include "sandbox/credentials.h"
#include "sandbox/faults.h"
#include "sandbox/quota.h"
#include "sandbox/service.h"

namespace ferry::sandbox {

struct FrontOptions {
  std::string region = "us-east-1";
  bool enforce_quotas = false;
  // A Content-Encoding: gzip body (not S3) may inflate to at most this many bytes (else 413).
  size_t max_inflated_body_bytes = 16u * 1024u * 1024u;
};

using AdminHandler = std::function<Response(const Request&)>;

class Front {
 public:
  Front(FrontOptions options, Clock& clock, IdGenerator& ids, const CredentialStore& credentials,
        FaultInjector& faults);

  // Not owned; must outlive the Front.
  void AddService(Service& service);
  // Requests whose path starts with "/_ferry/" + prefix go to handler (after the loopback check).
  void AddAdminRoute(const std::string& prefix, AdminHandler handler);

  // remote_addr is the peer's IP address, for the admin loopback check.
  Response Handle(const Request& request, const std::string& remote_addr);

  // The signing name a request is for, or "" when nothing identifies a service.
  std::string RouteSigningName(const Request& request, const std::string& scope_service) const;

  std::string NewRequestId();

 private:
  Response HandleAdmin(const Request& request, const std::string& remote_addr);
  Response HandleFaults(const Request& request);
  Response Health();
  Service* FindService(const std::string& signing_name) const;

  const FrontOptions options_;
  Clock& clock_;
  IdGenerator& ids_;
  Authenticator authenticator_;
  FaultInjector& faults_;
  QuotaLimiter quotas_;
  std::map<std::string, Service*> services_;  // by signing name; fixed before serving
  std::vector<std::pair<std::string, AdminHandler>> admin_routes_;  // fixed before serving
};

// "RFC 4122 version 4" text from 16 random bytes, as AWS formats request ids and revision ids.
std::string FormatUuid(const std::string& random16);

}  // namespace ferry::sandbox
