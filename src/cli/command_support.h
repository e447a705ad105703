// Internals shared by the command implementations (commands_*.cc): resolving ClientFlags into
// an ApiClient and printing results and errors. Not part of the module's interface.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/api_client.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/execution.h"
#include "common/json_fwd.h"

namespace ferry::cli::internal {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// A ready client and the output format; or the exit code (2) after printing why.
struct Session {
  std::unique_ptr<ApiClient> client;
  OutputFormat format = OutputFormat::kText;
};
std::optional<Session> OpenSession(const ClientFlags& flags, CommandIo& io, int& exit_code);

int UsageError(CommandIo& io, const Error& error);
int RequestFailed(CommandIo& io, const Error& error);
void PrintJson(CommandIo& io, const Json& value);

// POSTs with an Idempotency-Key, retrying a request that may or may not have arrived (timeout,
// dropped connection, 502/503/504) a few times with the same key; a refused connection is
// reported at once.
Result<Json> PostExecution(ApiClient& client, Clock& clock, const std::string& path,
                           const Json& body);

// Prints the started execution (id, or JSON without --wait), then with wait follows it to the
// end and prints the outcome. Returns the exit code.
int ReportStarted(Session& session, CommandIo& io, const Json& started, bool wait,
                  const std::string& what);

}  // namespace ferry::cli::internal
