// The official Lambda service model (botocore's lambda/2015-03-31/service-2.json, embedded in the
// binary at build time), and what the sandbox does with it: match a request to an operation by
// method and path template, bind the input from path labels, query string, headers and JSON body,
// and validate it against the input shape (required members, types, enums, lengths, patterns,
// ranges) with the messages AWS's front end uses.
//
// LambdaModel::Get() parses once; the instance is immutable and thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "sandbox/service.h"

namespace ferry::sandbox::lambda {

struct ModelOperation {
  std::string name;
  std::string method;
  std::vector<std::string> path;  // segments; "{Label}" for labels
  int success_status = 200;
  std::string input_shape;  // "" when none
};

// Why a request's input was refused, in Lambda's vocabulary.
struct InputError {
  std::string code;  // "ValidationException", "SerializationException",
                     // "InvalidParameterValueException", "InvalidRequestContentException"
  std::string message;
};

class LambdaModel {
 public:
  static const LambdaModel& Get();

  // The operation for method + raw path; labels receives the decoded label values.
  const ModelOperation* Match(const std::string& method, const std::string& raw_path,
                              std::map<std::string, std::string>& labels) const;

  // Builds the input object for op: body members from the JSON body, plus uri, querystring and
  // header members under their member names. A structure's payload blob member (Invoke's Payload)
  // is left out; the caller reads the raw body.
  Result<Json> BindInput(const ModelOperation& op, const Request& request,
                         const std::map<std::string, std::string>& labels, InputError& error) const;

  // Validates value against the named shape; false with error filled when it does not conform.
  bool Validate(const std::string& shape, const Json& value, InputError& error) const;

  const Json& Shape(const std::string& name) const;
  const std::vector<ModelOperation>& operations() const { return operations_; }

 private:
  LambdaModel() = default;
  Json shapes_;
  std::vector<ModelOperation> operations_;
};

}  // namespace ferry::sandbox::lambda
