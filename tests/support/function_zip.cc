#include "support/function_zip.h"

#include <fstream>
#include <iterator>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace ferry::test {

std::string ZipOf(const std::string& name, const std::string& content) {
  TempDir dir("ferry-zip");
  dir.Write(name, content);
  auto zipped = ChildProcess::Run({"/usr/bin/zip", "-q", "-X", "code.zip", name},
                                  ProcessOptions{{}, dir.path().string()});
  if (zipped.exit_code != 0) return "";
  std::ifstream in(dir.path() / "code.zip", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace ferry::test
