// `ferry sandbox`: assembles the front, the services (Lambda, S3, CloudWatch, STS), the handler
// runtime and the HTTP listener from options, and owns them.
//
// Start binds, restores --data state (refusing corrupt snapshots) and serves until Stop or
// destruction. Thread-safe after Start.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace ferry::sandbox {

struct SandboxOptions {
  std::string host = "127.0.0.1";
  int port = 4566;
  std::optional<std::filesystem::path> data_dir;
  std::string region = "us-east-1";
  Duration update_delay{1000};
  bool quotas = false;
  std::vector<std::string> faults;  // --fault specs
  std::optional<uint64_t> fault_seed;
  std::vector<std::string> accounts;  // ACCOUNT:KEY:SECRET
  std::optional<std::filesystem::path> accounts_file;
  int max_workers_per_function = 8;
  std::vector<std::string> traffic;  // --traffic FUNCTION:ALIAS@RATE
};

class Sandbox {
 public:
  static Result<std::unique_ptr<Sandbox>> Start(const SandboxOptions& options);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  int port() const;
  std::string endpoint_url() const;
  // The sandbox's clock (see sandbox_clock.h): `ferry up` runs its server on it, so that
  // POST /_ferry/clock moves Ferry's bakes and waits along with the sandbox's alarms.
  Clock& clock();
  void Stop();

  struct Parts;

 private:
  explicit Sandbox(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace ferry::sandbox
