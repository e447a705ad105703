// The "target" object of a Lambda task payload, written by the engine and read by the delegate:
//
//   {"region": "eu-west-1", "endpoint"?: "http://127.0.0.1:4566", "cloudProvider"?: "prod-aws",
//    "credentials"?: {"mode": "delegate" | "keys",
//                     "accessKeyId"?: "AKIA…",            (keys only, required there)
//                     "secretAccessKeySecret"?: "aws-key", (keys only: a SecretRef *name*)
//                     "assumeRole"?: {"roleArn", "externalId"?, "sessionName"?,
//                                     "durationSeconds"?: 900..43200}}}
//
// No secret value ever travels: the delegate resolves the secret by name. A missing
// "credentials" means the delegate's own chain (payloads written before connections carried
// credentials). Parsing is strict: wrong types, unknown keys inside "credentials", oversized or
// malformed strings and an unknown mode are kInvalidArgument naming the field, never echoing the
// value (the ExternalId is treated as sensitive).
// Stateless; thread-safe.
#pragma once

#include "common/json.h"
#include "lambda/target.h"

namespace ferry::lambda {

Json TargetToJson(const LambdaTarget& target);
Result<LambdaTarget> TargetFromJson(const Json& target);

}  // namespace ferry::lambda
