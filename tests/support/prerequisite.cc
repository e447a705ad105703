#include "support/prerequisite.h"

#include <cstdlib>
#include <filesystem>

#include "support/child_process.h"

namespace ferry::test {

bool SkipsAllowed() {
  const char* value = std::getenv(kAllowSkipVariable);
  return value != nullptr && std::string(value) == "1";
}

std::string MissingFile(const std::string& path, const std::string& what, const std::string& how) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return "";
  return what + " is missing (" + path + "); " + how;
}

std::string MissingProgram(const std::string& program, const std::string& how) {
  if (!FindOnPath(program).empty()) return "";
  return program + " is not on PATH; " + how;
}

std::string MissingFerryBinary() {
  return MissingFile(FerryBinary(), "the ferry binary",
                     "build it with `scripts/build release` (or `ninja -C build ferry`), or set "
                     "FERRY_BINARY to a built one");
}

std::string MissingNpmPackage(const std::string& package) {
  const char* source = std::getenv("FERRY_SOURCE_DIR");
  const std::string root = source != nullptr && *source != '\0' ? source : ".";
  return MissingFile(root + "/node_modules/" + package, "the npm package " + package,
                     "install the pinned npm packages with `scripts/install-deps` (npm ci)");
}

}  // namespace ferry::test
