// Conformance: our signer against botocore's (the signer inside the AWS CLI and boto3), on the
// request shapes Ferry sends — Lambda ARNs with encoded colons, encoded query values, repeated and
// empty query keys, S3 keys with spaces, UTF-8 and dot segments, session tokens, form bodies.
// Runs tests/aws/botocore_sign.py with Debian's /usr/bin/python3 (python3-boto3).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/sigv4.h"
#include "common/json.h"
#include "support/temp_dir.h"

namespace ferry::aws {
namespace {

struct Case {
  std::string service, method, url, body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string token;
};

TEST(SigV4BotocoreTest, MatchesBotocoreOnFerryRequestShapes) {
  const std::string date = "20261127T120000Z";
  const std::vector<Case> cases = {
      {"lambda",
       "POST",
       "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/"
       "arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aorders/invocations"
       "?Qualifier=live",
       "{\"a\":1}",
       {{"Content-Type", "application/json"}, {"X-Amz-Invocation-Type", "Event"}}},
      {"lambda",
       "GET",
       "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/orders/versions"
       "?MaxItems=50&Marker=abc%2Bdef%3D%3D",
       "",
       {}},
      {"lambda",
       "GET",
       "https://lambda.us-east-1.amazonaws.com/2017-03-31/tags/x?b=2&a=1&a=0&c=",
       "",
       {{"X-Custom", "  spaced   out  value "}},
       "session-token-for-botocore/+="},
      {"s3",
       "GET",
       "http://s3.us-east-1.amazonaws.com/artifacts/dir/my%20file%E2%82%AC.zip",
       "",
       {}},
      {"s3",
       "GET",
       "http://artifacts.s3.us-east-1.amazonaws.com/a//b/../c%2Bd?versionId=3%2F4",
       "",
       {{"Range", "bytes=0-9"}}},
      {"s3",
       "PUT",
       "http://artifacts.s3.us-east-1.amazonaws.com/builds/app.zip",
       "zipbytes",
       {{"Content-Type", "application/zip"}},
       "s3-session-token"},
      {"sts",
       "POST",
       "https://sts.us-east-1.amazonaws.com/",
       "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
       "sts-token"},
      {"monitoring",
       "POST",
       "https://monitoring.us-east-1.amazonaws.com/",
       "{}",
       {{"Content-Type", "application/x-amz-json-1.0"},
        {"X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"}}},
  };
  Json input = Json::array();
  for (const auto& c : cases) {
    Json headers = Json::array();
    for (const auto& [n, v] : c.headers) headers.push_back({n, v});
    input.push_back(
        {{"key", "AKIDBOTO"},
         {"secret", "boto-secret/key+value"},
         {"token", c.token},
         {"service", c.service},
         {"region", c.url.find("eu-west-1") != std::string::npos ? "eu-west-1" : "us-east-1"},
         {"method", c.method},
         {"url", c.url},
         {"body", c.body},
         {"headers", headers},
         {"amz_date", date}});
  }
  test::TempDir temp;
  const std::string dir = temp.path().string();
  std::string in_path = dir + "/botocore-cases.json", out_path = dir + "/botocore-out.json";
  std::ofstream(in_path) << DumpJson(input);
  std::string script = std::string(std::getenv("FERRY_SOURCE_DIR") ? std::getenv("FERRY_SOURCE_DIR")
                                                                   : FERRY_SOURCE_ROOT) +
                       "/tests/aws/botocore_sign.py";
  std::string cmd = "/usr/bin/python3 " + script + " < " + in_path + " > " + out_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "botocore (python3-boto3) is required: " << cmd;
  std::stringstream ss;
  ss << std::ifstream(out_path).rdbuf();
  Json out = ParseJson(ss.str()).value();
  ASSERT_EQ(out.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    HttpRequest r;
    r.method = c.method;
    r.url = c.url;
    r.body = c.body;
    r.headers = c.headers;
    SigningParams p;
    p.region = input[i]["region"];
    p.service = c.service;
    p.time = *ParseAmzDate(date);
    p.s3_rules = c.service == "s3";
    Credentials creds{"AKIDBOTO", "boto-secret/key+value", c.token, std::nullopt, "test"};
    SigningArtifacts a = ComputeSignature(r, creds, p, false);
    EXPECT_EQ(a.canonical_request, out[i]["canonical"].get<std::string>()) << c.url;
    EXPECT_EQ(a.signature, out[i]["signature"].get<std::string>()) << c.url;
  }
}

}  // namespace
}  // namespace ferry::aws
