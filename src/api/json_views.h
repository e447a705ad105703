// The JSON shapes of docs/api.md for the store's records. Every string that came from an
// execution (outputs, errors, log text) passes through the SecretMasker on the way out.
// Pure apart from the global masker; thread-safe.
#pragma once

#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "store/store.h"

namespace ferry::api {

// Parses a stored JSON document and masks every string in it; a document that does not parse
// (it always should) is returned as {}.
Json MaskedDocument(const std::string& json);

// Whether a view carries the "outputs" of the execution and its steps: lists and clients that
// follow only statuses (GET /executions/{id}?outputs=false) leave them out, since a deployment
// of many functions makes them megabytes long.
enum class Outputs { kInclude, kOmit };

// `now` gives the running duration of an execution or step that has not ended.
Json ExecutionJson(const store::ExecutionRecord& execution, TimePoint now,
                   Outputs outputs = Outputs::kInclude);
Json ExecutionJson(const store::ExecutionRecord& execution,
                   const std::vector<store::StepRecord>& steps, TimePoint now,
                   Outputs outputs = Outputs::kInclude);
Json StepJson(const store::StepRecord& step, TimePoint now, Outputs outputs = Outputs::kInclude);
Json LogLineJson(const store::LogLine& line);
Json ArtifactJson(const store::ArtifactRecord& artifact);
// An approval (docs/api.md); the message, comment and values pass the SecretMasker.
Json ApprovalJson(const store::ApprovalRecord& approval);
Json DeploymentJson(const store::DeploymentRecord& deployment);
// {"kind": "Service", "application", "name", "revision", "spec", "createdAt", "updatedAt"}.
Json EntityJson(const store::EntityRecord& entity);

}  // namespace ferry::api
