// Helpers for the credential tests: a fake environment, a temporary HOME (support/temp_dir.h), and
// a context wired to a real CurlTransport and a FakeClock.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "aws/credentials_chain.h"
#include "aws/curl_transport.h"
#include "support/temp_dir.h"

namespace ferry::aws::test_support {

class CredentialsFixture : public ::testing::Test {
 protected:
  CredentialsFixture() : transport_(std::move(CurlTransport::Create()).value()) {
    // Nothing on this machine may leak in: a fresh HOME, IMDS off unless a test turns it on.
    env_["HOME"] = home_.path().string();
    env_["AWS_EC2_METADATA_DISABLED"] = "true";
  }

  // Close pooled keep-alive connections before the fake servers (members of derived fixtures)
  // stop, so their shutdown does not wait out the keep-alive timeout.
  void TearDown() override { transport_.reset(); }

  CredentialsContext Context() {
    CredentialsContext ctx;
    ctx.transport = transport_.get();
    ctx.clock = &clock_;
    ctx.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    ctx.region = "us-east-1";
    ctx.sts_endpoint_override = sts_override_;
    ctx.container_host = container_host_;
    ctx.imds_endpoint = imds_endpoint_;
    ctx.metadata_timeout = std::chrono::milliseconds(2000);
    ctx.process_timeout = process_timeout_;
    return ctx;
  }

  std::map<std::string, std::string> env_;
  test::TempDir home_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1'800'000'000)), /*auto_advance=*/true};
  std::unique_ptr<CurlTransport> transport_;
  std::string sts_override_;
  std::string container_host_ = "http://127.0.0.1:1";
  std::string imds_endpoint_;
  std::chrono::milliseconds process_timeout_{10'000};
};

}  // namespace ferry::aws::test_support
