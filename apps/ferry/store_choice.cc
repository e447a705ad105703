#include "store_choice.h"

#include <cstdlib>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace ferry::app {

void AddStoreFlag(CLI::App& cmd, std::string& store_url) {
  if (const char* env = std::getenv("FERRY_STORE"); env != nullptr && *env != '\0') {
    store_url = env;
  }
  cmd.add_option("--store", store_url,
                 "PostgreSQL store shared by server replicas, postgres://USER@HOST:PORT/DB "
                 "(env FERRY_STORE; default: SQLite in --data)");
}

Status CheckStoreUrl(const std::string& url) {
  if (url.empty() || store::IsPostgresUrl(url)) return Ok();
  return InvalidArgument("--store " + store::MaskPostgresUrl(url) +
                         " is not a postgres://USER@HOST:PORT/DB URL (the SQLite store is "
                         "chosen with --data DIR)");
}

Result<std::unique_ptr<store::Store>> OpenChosenStore(const StoreChoice& choice, Clock& clock,
                                                      IdGenerator& ids) {
  FERRY_RETURN_IF_ERROR(CheckStoreUrl(choice.store_url));
  if (!choice.store_url.empty()) {
    return store::OpenPostgresStore(store::PostgresOptions{.url = choice.store_url}, clock, ids);
  }
  store::SqliteOptions options;
  options.data_dir = choice.data_dir;
  return store::OpenSqliteStore(options, clock, ids);
}

Result<std::unique_ptr<store::DelegateRegistry>> OpenChosenDelegateRegistry(
    const StoreChoice& choice, store::Store& store) {
  if (!choice.store_url.empty()) return store::OpenPostgresDelegateRegistry(store);
  return store::OpenSqliteDelegateRegistry(store);
}

std::string DescribeStore(const StoreChoice& choice) {
  return choice.store_url.empty() ? choice.data_dir : store::MaskPostgresUrl(choice.store_url);
}

}  // namespace ferry::app
