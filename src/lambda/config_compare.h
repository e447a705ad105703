// Comparing a desired function configuration with what AWS holds, the way AWS normalises it:
// an absent environment equals an empty one, subnets and security groups are sets, layers are an
// ordered list, an empty architecture list means x86_64, an empty tracing mode means PassThrough.
//
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lambda/function_state.h"

namespace ferry::lambda {

// The canonical form of a configuration (sorted, de-duplicated VPC ids; defaults written out).
FunctionConfig Normalize(const FunctionConfig& config);

// The fields UpdateFunctionConfiguration changes whose values differ, by their AWS member names
// ("MemorySize", "Environment", "VpcConfig", ...), in a fixed order. Architectures and
// PackageType are not among them (see ArchitecturesDiffer; the package type is immutable).
std::vector<std::string> ConfigDifferences(const FunctionConfig& desired,
                                           const FunctionConfig& current);

// True when the architecture differs (an UpdateFunctionCode change, not a configuration one).
bool ArchitecturesDiffer(const FunctionConfig& desired, const FunctionConfig& current);

// True when a published version's code and configuration are exactly what is desired (its
// Description, set by PublishVersion, is not compared).
bool VersionMatches(const VersionInfo& version, const std::string& code_sha256,
                    const FunctionConfig& desired);

// A key→value map reconciled with Ferry's ownership rule: start from what AWS holds, drop the
// keys Ferry declared before and no longer declares, set every declared key. Keys Ferry never
// declared are kept as they are.
std::map<std::string, std::string> MergeManaged(const std::map<std::string, std::string>& current,
                                                const std::map<std::string, std::string>& declared,
                                                const std::set<std::string>& previously_managed);

// The configuration a deployment converges $LATEST to: desired, with the environment merged
// against the function's current environment (MergeManaged).
FunctionConfig EffectiveConfig(const DesiredFunction& desired, const ObservedFunction& current);

// Two routing maps are equal when they hold the same versions with weights equal to 1e-9.
bool SameWeights(const RoutingWeights& a, const RoutingWeights& b);

}  // namespace ferry::lambda
