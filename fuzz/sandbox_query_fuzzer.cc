// The sandbox's query-protocol services (form-encoded Action=..., XML answers): STS and
// CloudWatch, the latter also in awsJson1_0 (X-Amz-Target GraniteServiceVersion20100801.*).
// Each request of an input goes to a fresh in-memory STS and CloudWatch (both see the same
// sequence), through the same Handle the HTTP front calls after verifying the signature.
//
// Input: requests separated by "\n--\n"; each is "X-AMZ-TARGET\nQUERY\nBODY" (an empty target:
// the query protocol with a form-encoded body).
// Invariants: no input makes a service answer 5xx; every answer body is well-formed XML or JSON.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/xml.h"
#include "fuzz_check.h"
#include "fuzz_requests.h"
#include "sandbox/cloudwatch/cloudwatch_service.h"
#include "sandbox/credentials.h"
#include "sandbox/http_server.h"
#include "sandbox/sts/sts_service.h"

namespace {

using namespace ferry;

void CheckResponse(const sandbox::Response& response, std::string_view service) {
  if (response.status >= 500) {
    std::fprintf(stderr, "%.*s answered %d: %s\n", static_cast<int>(service.size()), service.data(),
                 response.status, response.body.c_str());
  }
  FUZZ_CHECK(response.status >= 200 && response.status < 500);
  if (response.body.empty()) return;
  if (response.body.front() == '{') {
    FUZZ_CHECK(ParseJson(response.body).ok());
  } else {
    bool parses = XmlDocument::Parse(response.body).ok();
    if (!parses) std::fprintf(stderr, "%s\n", response.body.c_str());
    FUZZ_CHECK(parses);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FakeClock clock;
  SequentialIdGenerator ids;
  sandbox::CredentialStore credentials(clock);
  auto sts = sandbox::sts::StsService::Create(credentials, clock, ids, std::nullopt);
  FUZZ_CHECK(sts.ok());
  sandbox::cloudwatch::CloudWatchOptions options;
  options.evaluate_interval = Duration::zero();
  options.max_body_bytes = 64 * 1024;
  auto cloudwatch = sandbox::cloudwatch::CloudWatchService::Create(options, clock, ids);
  FUZZ_CHECK(cloudwatch.ok());

  sandbox::Caller caller{"000000000000", "test", "us-east-1", "arn:aws:iam::000000000000:root"};
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (std::string_view text : fuzz::SplitRequests(input, 8)) {
    sandbox::Request request;
    request.method = "POST";
    request.raw_path = request.path = "/";
    request.host = "localhost:4566";
    std::string target(fuzz::TakeLine(text));
    request.raw_query = std::string(fuzz::TakeLine(text));
    request.query = sandbox::ParseQueryString(request.raw_query);
    request.body = std::string(text);
    request.headers["host"] = request.host;
    if (target.empty()) {
      request.headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
    } else {
      request.headers["x-amz-target"] = target;
      request.headers["content-type"] = "application/x-amz-json-1.0";
    }
    (void)(*sts)->OperationName(request);
    CheckResponse((*sts)->Handle(request, caller), "sts");
    (void)(*cloudwatch)->OperationName(request);
    CheckResponse((*cloudwatch)->Handle(request, caller), "monitoring");
    clock.Advance(std::chrono::seconds(61));
  }
  return 0;
}
