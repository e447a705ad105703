#include <iostream>

#include "commands.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry::app {

void AddVersionCommand(CLI::App& root, CommandContext& ctx) {
  auto* cmd = root.add_subcommand("version", "Print the ferry version");
  cmd->callback([&ctx] {
    std::cout << "ferry " << FERRY_VERSION << "\n";
    ctx.exit_code = 0;
  });
}

}  // namespace ferry::app
