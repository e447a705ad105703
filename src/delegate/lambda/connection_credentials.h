// Credentials for a cloud provider connection, as a task's target describes them
// (TargetCredentials):
//   mode delegate            → the delegate's own provider (not built here)
//   mode keys                → the access key id + the secret access key read by name through the
//                              SecretResolver (aws::MakeConnectionCredentials)
//   + assumeRole             → STS AssumeRole (with ExternalId) on top of either, cached and
//                              refreshed before expiry; STS is reached at the connection's
//                              endpoint override when it has one (the sandbox serves STS there)
// OpenConnectionCredentials also verifies the identity once with STS GetCallerIdentity, which
// needs no IAM permission, so a wrong key, an unknown secret or a refused AssumeRole fails the
// task up front with a message naming the connection and the role ARN, and the account id is
// known for the rate limiters. Secret values are registered with SecretMasker::Global() and never
// appear in messages; neither does the ExternalId.
// Thread-safe; the returned provider borrows `own`, the transport and the clock.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http.h"
#include "common/clock.h"
#include "common/secret_text.h"
#include "lambda/target.h"

namespace ferry::delegate {

struct ConnectionCredentials {
  std::unique_ptr<aws::CredentialsProvider> provider;
  std::string account;  // from GetCallerIdentity: the rate limiters' key
};

// `secret_value` is the resolved secret access key (mode keys; ignored otherwise). Errors keep
// the underlying code (kPermissionDenied for AccessDenied, kUnauthenticated for a wrong key).
Result<ConnectionCredentials> OpenConnectionCredentials(const lambda::LambdaTarget& target,
                                                        const std::string& secret_value,
                                                        aws::CredentialsProvider& own,
                                                        aws::HttpTransport& transport,
                                                        Clock& clock);

// "cloud provider 'prod' (role arn:aws:iam::…:role/x)": how messages name a target's connection.
std::string DescribeConnection(const lambda::LambdaTarget& target);

}  // namespace ferry::delegate
