// SecretPolicy: where `env` and `file` secrets may be read from (api/deploy_config.h reads
// them). A value type.
#pragma once

#include <string>

namespace ferry::api {

// Where `env` and `file` secrets may be read from: configuration must not reach every variable
// and file of the server's process (issue 18).
struct SecretPolicy {
  // An `env` secret's variable must start with this (ferry server --secret-env-prefix).
  std::string env_prefix = "FERRY_SECRET_";
  // A `file` secret's ref is a path inside this directory (relative to it, or absolute and
  // inside it once symbolic links are resolved); it must be a regular file. Empty: no file
  // secrets (ferry server: DATA/secrets, or --secret-dir).
  std::string file_dir;
};

}  // namespace ferry::api
