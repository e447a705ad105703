// The admin route /_ferry/traffic (see traffic.h).
#include "common/json.h"
#include "common/strings.h"
#include "sandbox/credentials.h"
#include "sandbox/traffic.h"

namespace ferry::sandbox {
namespace {

Response Failure(const Error& error) {
  return JsonReply(HttpStatus(error.code), Json{{"error", error.message}});
}

Json ListJson(const std::vector<TrafficStatus>& all) {
  Json items = Json::array();
  for (const TrafficStatus& status : all) items.push_back(TrafficStatusToJson(status));
  return Json{{"generators", items}};
}

}  // namespace

Response ServeTraffic(TrafficGenerators& traffic, const Request& request,
                      const std::string& default_region) {
  const std::string base = "/_ferry/traffic";
  std::string id;
  if (request.path.size() > base.size() + 1 && request.path.starts_with(base + "/")) {
    id = request.path.substr(base.size() + 1);
  } else if (request.path != base) {
    return JsonReply(404, Json{{"error", "no admin route " + QuoteForMessage(request.path)}});
  }

  if (!id.empty()) {
    if (request.method == "GET") {
      for (const TrafficStatus& status : traffic.List()) {
        if (status.id == id) return JsonReply(200, TrafficStatusToJson(status));
      }
      return JsonReply(404, Json{{"error", "no traffic generator " + QuoteForMessage(id)}});
    }
    if (request.method != "DELETE") return JsonReply(405, Json{{"error", "use GET or DELETE"}});
    auto removed = traffic.Remove(id);
    if (!removed.ok()) return Failure(removed.error());
    return JsonReply(200, TrafficStatusToJson(*removed));
  }

  if (request.method == "GET") return JsonReply(200, ListJson(traffic.List()));
  if (request.method == "DELETE") {
    std::vector<TrafficStatus> removed;
    for (const TrafficStatus& status : traffic.List()) {
      auto gone = traffic.Remove(status.id);
      if (gone.ok()) removed.push_back(*gone);
    }
    return JsonReply(200, ListJson(removed));
  }
  if (request.method != "POST") return JsonReply(405, Json{{"error", "use GET, POST or DELETE"}});

  const size_t max_body = traffic.limits().max_payload_bytes + 4096;
  if (request.body.size() > max_body) {
    return JsonReply(413, Json{{"error", "a traffic generator is at most " + std::to_string(max_body) +
                                          " bytes"}});
  }
  JsonLimits limits;
  limits.max_bytes = max_body;
  limits.max_depth = 32;
  auto body = ParseJson(request.body, limits);
  if (!body.ok()) return JsonReply(400, Json{{"error", body.error().message}});
  auto spec = TrafficSpecFromJson(*body, traffic.limits(), kDefaultAccountId, default_region);
  if (!spec.ok()) return Failure(spec.error());
  // The function and qualifier must exist now (a flag's generator may wait for them instead).
  auto dry_run = traffic.DryRun(*spec);
  if (!dry_run.ok()) return Failure(dry_run.error());
  auto started = traffic.Start(std::move(spec).value());
  if (!started.ok()) return Failure(started.error());
  return JsonReply(201, TrafficStatusToJson(*started));
}

}  // namespace ferry::sandbox
