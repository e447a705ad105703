// The sandbox's STS (query protocol, XML responses): GetCallerIdentity, and AssumeRole issuing
// temporary credentials (ASIA… key, secret, session token, expiration) that the front accepts
// until they expire. With a data directory the issued credentials survive restarts.
//
// Thread-safe.
#pragma once

#include <filesystem>
#include <optional>

#include "common/clock.h"
#include "common/ids.h"
#include "sandbox/credentials.h"
#include "sandbox/service.h"
#include "sandbox/snapshot.h"

namespace ferry::sandbox::sts {

class StsService final : public Service {
 public:
  // Loads previously issued credentials from data_dir/sts/credentials.json when given;
  // kInvalidArgument when that snapshot is corrupt.
  static Result<std::unique_ptr<StsService>> Create(CredentialStore& credentials, Clock& clock,
                                                    IdGenerator& ids,
                                                    std::optional<std::filesystem::path> data_dir);

  std::string_view signing_name() const override { return "sts"; }
  Response Handle(const Request& request, const Caller& caller) override;
  Response RenderError(const Request& request, const WireError& error) override;
  std::string OperationName(const Request& request) override;

 private:
  StsService(CredentialStore& credentials, Clock& clock, IdGenerator& ids,
             std::optional<SnapshotFile> snapshot)
      : credentials_(credentials), clock_(clock), ids_(ids), snapshot_(std::move(snapshot)) {}
  Response AssumeRole(const std::multimap<std::string, std::string>& params, const Caller& caller,
                      const std::string& request_id);
  Response GetCallerIdentity(const Caller& caller, const std::string& request_id);

  CredentialStore& credentials_;
  Clock& clock_;
  IdGenerator& ids_;
  std::optional<SnapshotFile> snapshot_;
  std::mutex save_mu_;  // serialises snapshot writes
};

// The query-protocol parameters of a request: the query string, plus a form-encoded body.
std::multimap<std::string, std::string> QueryParameters(const Request& request);

}  // namespace ferry::sandbox::sts
