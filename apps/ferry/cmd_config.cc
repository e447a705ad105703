// ferry validate / apply / export: configuration as code.
//
//   ferry validate -f PATH [-o json]            every problem as file:line:col: field: message
//   ferry apply -f PATH [--data DIR] [-o json]  validate, then write all entities in one
//                                               transaction
//   ferry export [--data DIR] [-o FILE]         the stored configuration as YAML
//
// apply and export work on the SQLite store in --data, or on PostgreSQL with --store URL.
//
// validate and apply also print a warning (file:line:col: warning: field: message) for each part
// of the configuration Ferry cannot run yet (config/runnable.h); warnings alone exit 0.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "api/config_apply.h"
#include "commands.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/strings.h"
#include "config/export.h"
#include "config/loader.h"
#include "model/enums.h"
#include "model/json_codec.h"
#include "store_choice.h"

namespace ferry::app {
namespace {

std::string DefaultDataDir() {
  const char* env = std::getenv("FERRY_DATA_DIR");
  return env && *env ? env : "./ferry-data";
}

std::string Actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user && *user ? user : "unknown");
}

Json ProblemsJson(const std::vector<config::ConfigProblem>& list) {
  Json problems = Json::array();
  for (const config::ConfigProblem& p : list) {
    problems.push_back({{"file", p.file},
                        {"line", p.position.line},
                        {"column", p.position.column},
                        {"path", p.path},
                        {"field", p.path.empty() ? "" : model::DisplayPath(p.path)},
                        {"message", p.message}});
  }
  return problems;
}

std::string Summary(const config::LoadedConfig& loaded) {
  std::map<model::Kind, int> counts;
  for (const model::Entity& e : loaded.entities) ++counts[model::KindOf(e)];
  std::vector<std::string> parts;
  for (const auto& [kind, n] : counts) {
    parts.push_back(std::to_string(n) + " " + std::string(model::EnumName(kind)));
  }
  std::string out = std::to_string(loaded.files) + " file(s), " +
                    std::to_string(loaded.entities.size()) + " entities (" + Join(parts, ", ") +
                    ")";
  if (!loaded.warnings.empty()) {
    out += "; " + std::to_string(loaded.warnings.size()) +
           " warning(s): configuration Ferry cannot run yet";
  }
  return out;
}

// Warnings (config/runnable.h) on stderr, "FILE:LINE:COL: warning: FIELD: MESSAGE".
void PrintWarnings(const config::LoadedConfig& loaded) {
  for (const config::ConfigProblem& w : loaded.warnings) std::cerr << w.ToString("warning") << "\n";
}

// Prints the problems and warnings; returns the exit code (1 when there is any problem;
// warnings alone exit 0).
int ReportProblems(const config::LoadedConfig& loaded, bool json) {
  if (json) {
    std::cout << DumpJson(Json{{"ok", loaded.ok()},
                               {"files", loaded.files},
                               {"entities", loaded.entities.size()},
                               {"problems", ProblemsJson(loaded.problems)},
                               {"warnings", ProblemsJson(loaded.warnings)}},
                          2)
              << "\n";
  } else {
    for (const config::ConfigProblem& p : loaded.problems) std::cerr << p.ToString() << "\n";
    PrintWarnings(loaded);
    if (!loaded.ok()) {
      std::cerr << loaded.problems.size() << " problem(s) in " << loaded.files << " file(s)\n";
    }
  }
  return loaded.ok() ? 0 : 1;
}

Result<std::unique_ptr<store::Store>> OpenStore(const StoreChoice& choice) {
  static RandomIdGenerator ids(SystemClock::Instance());
  return OpenChosenStore(choice, SystemClock::Instance(), ids);
}

int Fail(const Error& error) {
  std::cerr << "ferry: " << error.message << "\n";
  return 1;
}

int RunApply(const std::string& path, const StoreChoice& choice, bool json) {
  auto store = OpenStore(choice);
  if (!store.ok()) return Fail(store.error());
  auto stored = api::StoredEntities(**store);
  if (!stored.ok()) return Fail(stored.error());
  config::LoadedConfig loaded = config::LoadConfig(path, {}, *stored);
  if (!loaded.ok()) return ReportProblems(loaded, json);
  auto applied = api::WriteEntities(loaded.entities, **store, Actor());
  if (!applied.ok()) return Fail(applied.error());
  Json rows = Json::array();
  std::map<store::PutOutcome, int> counts;
  for (size_t i = 0; i < applied->size(); ++i) {
    const model::Entity& e = loaded.entities[i];
    store::PutOutcome outcome = (*applied)[i].outcome;
    std::string kind(model::EnumName(model::KindOf(e)));
    std::string name = model::ApplicationOf(e).empty()
                           ? model::NameOf(e)
                           : model::ApplicationOf(e) + "/" + model::NameOf(e);
    ++counts[outcome];
    if (json) {
      rows.push_back({{"kind", kind},
                      {"application", model::ApplicationOf(e)},
                      {"name", model::NameOf(e)},
                      {"outcome", api::PutOutcomeName(outcome)}});
    } else {
      std::cout << api::PutOutcomeName(outcome) << "\t" << kind << " " << name << "\n";
    }
  }
  if (json) {
    std::cout << DumpJson(Json{{"ok", true},
                               {"entities", rows},
                               {"warnings", ProblemsJson(loaded.warnings)}},
                          2)
              << "\n";
  } else {
    PrintWarnings(loaded);
    std::cout << counts[store::PutOutcome::kCreated] << " created, "
              << counts[store::PutOutcome::kUpdated] << " updated, "
              << counts[store::PutOutcome::kUnchanged] << " unchanged\n";
  }
  return 0;
}

int RunExport(const StoreChoice& choice, const std::string& output) {
  auto store = OpenStore(choice);
  if (!store.ok()) return Fail(store.error());
  auto stored = api::StoredEntities(**store);
  if (!stored.ok()) return Fail(stored.error());
  std::string yaml = config::ExportYaml(*stored);
  if (output.empty() || output == "-") {
    std::cout << yaml;
    return 0;
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << yaml;
  out.close();
  if (!out) return Fail(InvalidArgument("cannot write " + output));
  std::cerr << "wrote " << stored->size() << " entities to " << output << "\n";
  return 0;
}

}  // namespace

void AddConfigCommands(CLI::App& root, CommandContext& ctx) {
  struct Options {
    std::string path;
    std::string data_dir = DefaultDataDir();
    std::string store_url;
    std::string format = "text";
    std::string output;
  };
  auto options = std::make_shared<Options>();

  auto* validate = root.add_subcommand("validate", "Check configuration files (no store needed)");
  validate->add_option("-f,--file", options->path, "A YAML file or a directory of them")
      ->required();
  validate->add_option("-o,--output", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  validate->callback([options, &ctx] {
    config::LoadedConfig loaded = config::LoadConfig(options->path);
    ctx.exit_code = ReportProblems(loaded, options->format == "json");
    if (ctx.exit_code == 0 && options->format != "json") {
      std::cout << "ok: " << Summary(loaded) << "\n";
    }
  });

  auto* apply = root.add_subcommand("apply", "Validate, then create or update the entities");
  apply->add_option("-f,--file", options->path, "A YAML file or a directory of them")->required();
  apply->add_option("--data", options->data_dir, "Data directory (env FERRY_DATA_DIR)");
  AddStoreFlag(*apply, options->store_url);
  apply->add_option("-o,--output", options->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  apply->callback([options, &ctx] {
    ctx.exit_code =
        RunApply(options->path, {options->data_dir, options->store_url}, options->format == "json");
  });

  auto* export_cmd = root.add_subcommand("export", "Write the stored configuration as YAML");
  export_cmd->add_option("--data", options->data_dir, "Data directory (env FERRY_DATA_DIR)");
  AddStoreFlag(*export_cmd, options->store_url);
  export_cmd->add_option("-o,--output", options->output, "Output file (default: stdout)");
  export_cmd->callback([options, &ctx] {
    ctx.exit_code = RunExport({options->data_dir, options->store_url}, options->output);
  });
}

}  // namespace ferry::app
