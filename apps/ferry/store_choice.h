// Which store a command works on: `--store postgres://USER@HOST:PORT/DB` (PostgreSQL, which
// several servers can share) or, by default, the SQLite database in `--data DIR`. This is the one
// place that picks the implementation for `ferry server`, `ferry token` and `ferry apply/export`.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/ids.h"
#include "common/result.h"
#include "store/delegate_registry.h"
#include "store/store.h"

namespace ferry::app {

struct StoreChoice {
  std::string data_dir;   // SQLite: the data directory (used when url is empty)
  std::string store_url;  // PostgreSQL: a postgres:// or postgresql:// URL
};

// Adds `--store URL` (env FERRY_STORE) to a command.
void AddStoreFlag(CLI::App& cmd, std::string& store_url);

// kInvalidArgument unless url is empty or a postgres:// / postgresql:// URL (the message shows
// it with its password masked).
Status CheckStoreUrl(const std::string& url);

// Opens the chosen store. clock and ids must outlive it.
Result<std::unique_ptr<store::Store>> OpenChosenStore(const StoreChoice& choice, Clock& clock,
                                                      IdGenerator& ids);

// The delegate registry on the chosen store (opened by OpenChosenStore with the same choice).
Result<std::unique_ptr<store::DelegateRegistry>> OpenChosenDelegateRegistry(
    const StoreChoice& choice, store::Store& store);

// What to show in logs: the data directory, or the URL with its password masked.
std::string DescribeStore(const StoreChoice& choice);

}  // namespace ferry::app
