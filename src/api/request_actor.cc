#include "api/request_actor.h"

#include <algorithm>
#include <string_view>

#include "common/strings.h"

namespace ferry::api {
namespace {

// An IPv4 or IPv6 address as text: hex digits, dots and colons only (an IPv6 zone or a port is
// not an address and is refused). INET6_ADDRSTRLEN - 1 bytes at most.
bool LooksLikeIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == '.' || c == ':';
  });
}

}  // namespace

std::string ClientAddress(const ApiRequest& request,
                          const std::vector<std::string>& trusted_proxies) {
  const std::string& peer = request.remote_address;
  if (std::find(trusted_proxies.begin(), trusted_proxies.end(), peer) == trusted_proxies.end()) {
    return peer;
  }
  std::string forwarded = request.Header("x-forwarded-for");
  if (forwarded.empty()) return peer;
  std::string_view last = forwarded;
  if (size_t comma = last.rfind(','); comma != std::string_view::npos) {
    last.remove_prefix(comma + 1);
  }
  last = Trim(last);
  if (!LooksLikeIpAddress(last)) return peer;
  return std::string(last);
}

store::Actor ActorOf(const ApiRequest& request) {
  return store::Actor(request.actor, request.client_address);
}

Status RecordAction(store::AuditLog& audit, const ApiRequest& request, store::AuditEntry entry) {
  store::Actor actor = ActorOf(request);
  entry.actor = std::move(actor.name);
  entry.source = std::move(actor.source);
  FERRY_ASSIGN_OR_RETURN(store::AuditEvent appended, audit.Append(entry));
  (void)appended;
  return Ok();
}

}  // namespace ferry::api
