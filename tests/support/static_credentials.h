// StaticCredentials: the sandbox's default account's keys (test/test) as an aws credentials
// provider, for tests that sign requests to `ferry sandbox`. Thread-safe.
#pragma once

#include <optional>

#include "aws/credentials.h"

namespace ferry::test {

class StaticCredentials final : public aws::CredentialsProvider {
 public:
  Result<aws::Credentials> Resolve() override {
    return aws::Credentials{"test", "test", "", std::nullopt, "static"};
  }
};

}  // namespace ferry::test
