// The sandbox's awsJson1_1 services: Secrets Manager (X-Amz-Target secretsmanager.*) and SSM
// Parameter Store (AmazonSSM.*), through the Handle the HTTP front calls after verifying the
// signature. Each input runs on fresh in-memory services.
//
// Input: requests separated by "\n--\n"; each is "OPERATION\nBODY" and goes to both services
// (target "secretsmanager.OPERATION" and "AmazonSSM.OPERATION").
// Invariants: no input makes a service answer 5xx; every answer body is JSON.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "fuzz_check.h"
#include "fuzz_requests.h"
#include "sandbox/secrets/local_key.h"
#include "sandbox/secrets/secrets_manager_service.h"
#include "sandbox/secrets/ssm_service.h"

namespace {

using namespace ferry;

void Send(sandbox::Service& service, std::string_view prefix, std::string_view operation,
          std::string_view body) {
  sandbox::Request request;
  request.method = "POST";
  request.raw_path = request.path = "/";
  request.host = "localhost:4566";
  request.headers["host"] = request.host;
  request.headers["content-type"] = "application/x-amz-json-1.1";
  request.headers["x-amz-target"] = std::string(prefix) + "." + std::string(operation);
  request.body = std::string(body);
  sandbox::Caller caller{"000000000000", "test", "us-east-1", "arn:aws:iam::000000000000:root"};
  (void)service.OperationName(request);
  sandbox::Response response = service.Handle(request, caller);
  if (response.status >= 500) {
    std::fprintf(stderr, "%.*s answered %d: %s\n", static_cast<int>(prefix.size()), prefix.data(),
                 response.status, response.body.c_str());
  }
  FUZZ_CHECK(response.status >= 200 && response.status < 500);
  FUZZ_CHECK(response.body.empty() || ParseJson(response.body).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const sandbox::secrets::LocalKey> key =
      *sandbox::secrets::LocalKey::Open(std::nullopt);
  FakeClock clock;
  SequentialIdGenerator ids;
  auto secrets = sandbox::secrets::SecretsManagerService::Create(clock, ids, key, std::nullopt);
  FUZZ_CHECK(secrets.ok());
  auto ssm = sandbox::secrets::SsmService::Create(clock, ids, key, std::nullopt);
  FUZZ_CHECK(ssm.ok());

  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::string_view text : fuzz::SplitRequests(input, 8)) {
    std::string operation(fuzz::TakeLine(text));
    Send(**secrets, "secretsmanager", operation, text);
    Send(**ssm, "AmazonSSM", operation, text);
    clock.Advance(std::chrono::seconds(1));
  }
  return 0;
}
