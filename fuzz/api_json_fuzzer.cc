// The REST API's reading of a JSON request body, as PUT /api/v1/.../{kind}/{name} and the
// deploy routes do it: ParseObjectBody (size, depth, duplicate keys), the artifact location,
// then the entity check of config/documents.h (decode, validation, templates).
// Invariants: an accepted body serialises and parses back equal; an entity that checks cleanly
// encodes and decodes to the same canonical JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/request_input.h"
#include "common/json.h"
#include "config/documents.h"
#include "fuzz_check.h"
#include "model/json_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry;
  api::ApiRequest request;
  request.method = "PUT";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = api::ParseObjectBody(request, 1024 * 1024);
  if (!body.ok()) return 0;
  FUZZ_CHECK(body->is_object());

  auto reparsed = ParseJson(DumpJson(*body), JsonLimits{.reject_duplicate_keys = true});
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(*reparsed == *body);

  for (const char* field : {"artifact", "location"}) {
    if (body->contains(field)) (void)api::ParseArtifactLocation((*body)[field], field);
  }
  (void)api::RejectUnknownFields(*body, {"kind", "name", "application", "spec"});

  auto checked = config::CheckEntityDocuments({*body});
  for (const model::Entity& entity : checked.entities) {
    model::Problems problems;
    auto decoded = model::DecodeEntity(model::EncodeEntity(entity), problems);
    FUZZ_CHECK(decoded.has_value());
    if (checked.ok()) {
      FUZZ_CHECK(problems.empty());
      FUZZ_CHECK(model::CanonicalJson(*decoded) == model::CanonicalJson(entity));
    }
  }
  return 0;
}
