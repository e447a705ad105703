// ferry: one binary for the server, the delegate, the sandbox and the CLI.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <string>

#include "commands.h"
#include "common/log.h"

int main(int argc, char** argv) {
  CLI::App root{"Ferry: continuous delivery for AWS Lambda"};
  root.name("ferry");
  root.require_subcommand(1);
  root.fallthrough();
  std::string log_level = "info";
  std::string log_format = "text";
  root.add_option("--log-level", log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}))
      ->envname("FERRY_LOG_LEVEL");
  root.add_option("--log-format", log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("FERRY_LOG_FORMAT");
  root.parse_complete_callback([&] {
    ferry::log::Configure(ferry::log::ParseLevel(log_level),
                          log_format == "json" ? ferry::log::Format::kJson
                                               : ferry::log::Format::kText);
  });

  ferry::app::CommandContext ctx;
  ferry::app::AddVersionCommand(root, ctx);
  ferry::app::AddSandboxCommand(root, ctx);
  ferry::app::AddConfigCommands(root, ctx);
  ferry::app::AddDeployCommand(root, ctx);
  ferry::app::AddPlanCommand(root, ctx);
  ferry::app::AddDriftCommand(root, ctx);
  ferry::app::AddExecutionCommands(root, ctx);
  ferry::app::AddSecretCommands(root, ctx);
  ferry::app::AddUserCommands(root, ctx);
  ferry::app::AddPipelineCommands(root, ctx);
  ferry::app::AddTokenCommands(root, ctx);
  ferry::app::AddServerCommand(root, ctx);
  ferry::app::AddUpCommand(root, ctx);
  ferry::app::AddDelegateCommand(root, ctx);

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Bad usage exits 2 (CLI11's own codes are 100+); --help and --version exit 0.
    return root.exit(e) == 0 ? 0 : 2;
  }
  return ctx.exit_code;
}
