#include "cli/command_support.h"

#include <cstdlib>

#include "cli/format.h"
#include "cli/watch.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/secret_mask.h"

namespace ferry::cli {

namespace internal {
namespace {

std::string FromEnv(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

int UsageError(CommandIo& io, const Error& error) {
  io.err << "ferry: " << MaskSecrets(error.message) << "\n";
  return kExitUsage;
}

int RequestFailed(CommandIo& io, const Error& error) {
  io.err << "ferry: " << MaskSecrets(error.message) << "\n";
  return kExitFailed;
}

void PrintJson(CommandIo& io, const Json& value) { io.out << DumpJson(value, 2) << "\n"; }

std::optional<Session> OpenSession(const ClientFlags& flags, CommandIo& io, int& exit_code) {
  Session session;
  auto format = ParseOutputFormat(flags.output);
  if (!format.ok()) {
    exit_code = UsageError(io, format.error());
    return std::nullopt;
  }
  session.format = *format;
  ApiClientOptions options;
  options.server_url = !flags.server.empty() ? flags.server : FromEnv("FERRY_SERVER");
  if (options.server_url.empty()) options.server_url = std::string(kDefaultServer);
  options.token = !flags.token.empty() ? flags.token : FromEnv("FERRY_TOKEN");
  if (flags.verbose) options.trace = &io.err;
  auto client = ApiClient::Create(std::move(options));
  if (!client.ok()) {
    exit_code = client.error().code == ErrorCode::kInvalidArgument
                    ? UsageError(io, client.error())
                    : RequestFailed(io, client.error());
    return std::nullopt;
  }
  session.client = std::move(*client);
  return session;
}

Result<Json> PostExecution(ApiClient& client, Clock& clock, const std::string& path,
                           const Json& body) {
  RandomIdGenerator ids(clock);
  const std::string key = ids.NewId();
  Duration backoff = std::chrono::milliseconds(500);
  for (int attempt = 1;; ++attempt) {
    auto reply = client.Post(path, body, key);
    if (reply.ok() || attempt == 4 || !IsTransient(reply.error())) return reply;
    auto reason = reply.error().details.find("reason");
    if (reason != reply.error().details.end() && reason->second == "connect") return reply;
    clock.SleepFor(backoff);
    backoff *= 2;
  }
}

int ReportStarted(Session& session, CommandIo& io, const Json& started, bool wait,
                  const std::string& what) {
  auto execution = DecodeExecution(started);
  if (!execution.ok()) return RequestFailed(io, execution.error());
  const bool json = session.format == OutputFormat::kJson;
  if (!wait) {
    if (json) {
      PrintJson(io, started);
    } else {
      io.out << execution->id << "\n";
      if (io.interactive) {
        io.err << what << " started; follow it with `ferry logs " << execution->id
               << " -f` or `ferry executions get " << execution->id << "`\n";
      }
    }
    return kExitOk;
  }
  std::optional<ProgressDisplay> display;
  if (!json) {
    io.out << execution->id << "\n" << std::flush;
    display.emplace(io.out, io.interactive);
  }
  WatchOptions options;
  options.poll_interval = io.poll_interval;
  auto done = WaitForExecution(*session.client, execution->id, io.clock,
                               display ? &*display : nullptr, options);
  if (!done.ok()) {
    return RequestFailed(io, done.error().WithContext("while waiting for " + execution->id));
  }
  if (json) {
    // The full execution (steps, outputs) as the server has it now.
    auto final_json = session.client->Get(ApiClient::ApiPath({"executions", execution->id}));
    if (!final_json.ok()) return RequestFailed(io, final_json.error());
    PrintJson(io, *final_json);
  }
  const bool succeeded = done->status == "succeeded";
  if (!succeeded) {
    io.err << "ferry: " << what << " " << done->id << " " << FormatOutcome(*done) << "\n";
  } else if (!json) {
    io.out << what << " " << FormatOutcome(*done) << "\n";
  }
  return succeeded ? kExitOk : kExitFailed;
}

}  // namespace internal
}  // namespace ferry::cli
