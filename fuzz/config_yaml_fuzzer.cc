// The configuration loader on one YAML file, as `ferry validate FILE` and `ferry apply` read it:
// YAML parse with positions and limits, decode, validation, template checks, runnable warnings.
// Invariant: a configuration that loads cleanly exports (config/export.h) to YAML that loads
// cleanly again into the same entities.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/export.h"
#include "config/loader.h"
#include "fuzz_check.h"
#include "model/json_codec.h"

using ferry::config::LoadConfigFiles;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = LoadConfigFiles({{"ferry.yaml", text}});
  for (const auto& problem : loaded.problems) FUZZ_CHECK(!problem.message.empty());
  if (!loaded.ok() || loaded.entities.empty()) return 0;

  std::string exported = ferry::config::ExportYaml(loaded.entities);
  auto again = LoadConfigFiles({{"exported.yaml", exported}});
  if (!again.ok()) {
    std::fprintf(stderr, "exported YAML:\n%s\nproblem: %s\n", exported.c_str(),
                 again.problems.front().ToString().c_str());
  }
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.entities.size() == loaded.entities.size());
  for (size_t i = 0; i < loaded.entities.size(); ++i) {
    FUZZ_CHECK(ferry::model::CanonicalJson(again.entities[i]) ==
               ferry::model::CanonicalJson(loaded.entities[i]));
  }
  return 0;
}
