// Size and shape limits every Store implementation enforces identically (the contract tests
// check them), so an API request that one backend accepts the other accepts too.
#pragma once

#include <cstddef>

namespace ferry::store {

// An entity spec (canonical JSON). The largest real spec, a service with many functions and
// variables, is a few tens of KiB; 1 MiB leaves room and bounds a hostile request.
inline constexpr size_t kMaxSpecBytes = size_t{1024} * 1024;
// Inputs, outputs, payloads and results of executions, steps and tasks. A deployment's outputs
// hold, per function, its rollback target, what the deploy did (every call and its request id)
// and what it left: about 4.5 KiB, so 16 MiB is room for a service of some 3,500 functions
// (bench/ deploys 1,000 in one execution).
inline constexpr size_t kMaxDocumentBytes = size_t{16} * 1024 * 1024;
// Names, kinds, actors, ids, selectors: short identifiers.
inline constexpr size_t kMaxNameBytes = 256;
// One log line; longer lines are truncated by the store (marked with a trailing "…[truncated]").
inline constexpr size_t kMaxLogLineBytes = size_t{16} * 1024;
// Rows returned by one List call at most.
inline constexpr int kMaxPageSize = 1000;

}  // namespace ferry::store
