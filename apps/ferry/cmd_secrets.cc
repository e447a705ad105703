// ferry secrets set NAME (value on stdin) / show NAME / unset NAME / rotate-key: the values of
// `source: ferry` secrets, clients of the API (src/cli/commands_secrets.cc).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "commands.h"
#include "common/clock.h"

namespace ferry::app {

void AddSecretCommands(CLI::App& root, CommandContext& ctx) {
  struct Flags {
    std::string name;
    cli::ClientFlags client;
  };
  auto flags = std::make_shared<Flags>();
  auto io = [] {
    return cli::CommandIo{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1,
                          SystemClock::Instance()};
  };
  auto* secrets = root.add_subcommand(
      "secrets", "Values of `source: ferry` secrets, stored sealed by the server");
  secrets->require_subcommand(1);

  auto* set = secrets->add_subcommand(
      "set", "Store a secret's value, read from stdin (e.g. `ferry secrets set db < file`)");
  set->add_option("name", flags->name, "Secret name (kind: Secret, source: ferry)")->required();
  AddClientFlags(*set, flags->client);
  set->callback([flags, &ctx, io] {
    auto out = io();
    ctx.exit_code = cli::RunSecretSet(flags->name, std::cin, flags->client, out);
  });

  auto* show = secrets->add_subcommand("show", "A stored value's version, key and time (never "
                                               "the value)");
  show->add_option("name", flags->name, "Secret name")->required();
  AddClientFlags(*show, flags->client);
  show->callback([flags, &ctx, io] {
    auto out = io();
    ctx.exit_code = cli::RunSecretShow(flags->name, flags->client, out);
  });

  auto* unset = secrets->add_subcommand("unset", "Delete a stored value");
  unset->add_option("name", flags->name, "Secret name")->required();
  AddClientFlags(*unset, flags->client);
  unset->callback([flags, &ctx, io] {
    auto out = io();
    ctx.exit_code = cli::RunSecretUnset(flags->name, flags->client, out);
  });

  auto* rotate = secrets->add_subcommand(
      "rotate-key", "Re-seal every value with the server's current key (after a key change)");
  AddClientFlags(*rotate, flags->client);
  rotate->callback([flags, &ctx, io] {
    auto out = io();
    ctx.exit_code = cli::RunSecretRotateKey(flags->client, out);
  });
}

}  // namespace ferry::app
