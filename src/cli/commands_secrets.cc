// ferry secrets set|show|unset|rotate-key (commands.h).
#include <iterator>

#include "cli/command_support.h"
#include "cli/format.h"
#include "common/json.h"
#include "common/secret_mask.h"
#include "common/strings.h"

namespace ferry::cli {

using namespace internal;  // NOLINT: this file implements the commands declared there

namespace {

constexpr size_t kMaxValueBytes = 64 * 1024;

Status ValidateSecretName(const std::string& name) {
  if (name.empty() || name.size() > 63 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos ||
      name.front() == '-' || name.back() == '-') {
    return InvalidArgument("secret name " + QuoteForMessage(name) +
                           " must be 1-63 lower-case letters, digits and '-'");
  }
  return Ok();
}

void PrintMetadata(CommandIo& io, const Json& m) {
  io.out << "secret " << TerminalSafe(m.value("name", "")) << ": version "
         << m.value("version", int64_t{0}) << ", key " << TerminalSafe(m.value("keyId", ""))
         << ", set " << TerminalSafe(m.value("updatedAt", "")) << " by "
         << TerminalSafe(m.value("updatedBy", "")) << "\n";
}

std::string ValuePath(const std::string& name) {
  return ApiClient::ApiPath({"secrets", name, "value"});
}

}  // namespace

int RunSecretSet(const std::string& name, std::istream& value_in, const ClientFlags& flags,
                 CommandIo& io) {
  if (Status s = ValidateSecretName(name); !s.ok()) return UsageError(io, s.error());
  std::string value;
  char buffer[4096];
  while (value_in.read(buffer, sizeof buffer) || value_in.gcount() > 0) {
    value.append(buffer, static_cast<size_t>(value_in.gcount()));
    if (value.size() > kMaxValueBytes + 2) break;
  }
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  SecretMasker::Global().Register(value);
  if (value.empty()) {
    return UsageError(io, InvalidArgument("no value on stdin: pipe it in, e.g. `ferry secrets "
                                          "set " + name + " < file`"));
  }
  if (value.size() > kMaxValueBytes) {
    return UsageError(io, InvalidArgument("the value is larger than 64 KiB"));
  }
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Put(ValuePath(name), Json{{"value", value}});
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    PrintMetadata(io, *reply);
  }
  return kExitOk;
}

int RunSecretShow(const std::string& name, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateSecretName(name); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Get(ValuePath(name));
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    PrintMetadata(io, *reply);
  }
  return kExitOk;
}

int RunSecretUnset(const std::string& name, const ClientFlags& flags, CommandIo& io) {
  if (Status s = ValidateSecretName(name); !s.ok()) return UsageError(io, s.error());
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Delete(ValuePath(name));
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, Json{{"name", name}, {"deleted", true}});
  } else {
    io.out << "secret " << name << ": value deleted\n";
  }
  return kExitOk;
}

int RunSecretRotateKey(const ClientFlags& flags, CommandIo& io) {
  int exit_code = 0;
  auto session = OpenSession(flags, io, exit_code);
  if (!session) return exit_code;
  auto reply = session->client->Post(ApiClient::ApiPath({"secret-key", "rotate"}), Json::object());
  if (!reply.ok()) return RequestFailed(io, reply.error());
  if (session->format == OutputFormat::kJson) {
    PrintJson(io, *reply);
  } else {
    io.out << "re-sealed " << reply->value("resealed", 0) << " value(s) with key "
           << TerminalSafe(reply->value("keyId", "")) << " ("
           << reply->value("alreadyCurrent", 0) << " already were)\n";
  }
  return kExitOk;
}

}  // namespace ferry::cli
