#include <string>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "commands.h"

namespace ferry::app {

void AddClientFlags(CLI::App& command, cli::ClientFlags& flags) {
  command.add_option(
      "--server", flags.server,
      "Ferry server URL (env FERRY_SERVER, default " + std::string(cli::kDefaultServer) + ")");
  command.add_option("--token", flags.token, "API token (env FERRY_TOKEN; prefer the env)");
  command.add_option("-o,--output", flags.output, "Output format: text or json");
  command.add_flag("-v,--verbose", flags.verbose, "Trace requests on stderr (token masked)");
}

}  // namespace ferry::app
