// Who sent an API request and from where, as the audit trail records it. The one place the
// actor is taken from a request: every route that changes state passes ActorOf(request) to the
// store. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/http_exchange.h"
#include "common/result.h"
#include "store/actor.h"
#include "store/audit_log.h"

namespace ferry::api {

// The client's address: the connection's peer, unless that peer is one of `trusted_proxies`
// (exact IP addresses) and the request carries X-Forwarded-For; then the right-most address of
// that header (the one the trusted proxy appended). X-Forwarded-For from anyone else is ignored.
// A forwarded value that is not an IP address (bad characters, over 45 bytes) is ignored too.
std::string ClientAddress(const ApiRequest& request,
                          const std::vector<std::string>& trusted_proxies);

// The authenticated principal (request.actor, "token:NAME") and the client address.
store::Actor ActorOf(const ApiRequest& request);

// Appends an audit event for an action the store does not record by itself (a plan started, a
// key rotation, a delegate registering), with the request's actor and client address filled in.
Status RecordAction(store::AuditLog& audit, const ApiRequest& request, store::AuditEntry entry);

}  // namespace ferry::api
