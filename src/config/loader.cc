#include "config/loader.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <tuple>

#include "common/json.h"
#include "common/strings.h"
#include "config/runnable.h"
#include "config/semantics.h"
#include "model/json_codec.h"
#include "model/validate.h"

namespace ferry::config {
namespace fs = std::filesystem;
namespace {

// Offset of the first byte that breaks UTF-8 (or is NUL), or npos.
size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > text.size() || !IsValidUtf8(text.substr(i, len))) return i;
    i += len;
  }
  return std::string_view::npos;
}

SourcePosition PositionOf(std::string_view text, size_t offset) {
  SourcePosition pos{1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++pos.column;
    }
  }
  return pos;
}

struct Loader {
  const LoadLimits& limits;
  LoadedConfig out;

  void AddFileProblem(const std::string& file, SourcePosition pos, std::string message) {
    out.problems.push_back({file, pos, "", std::move(message)});
  }

  void LoadText(const std::string& file, std::string_view text) {
    ++out.files;
    if (text.size() > limits.max_file_bytes) {
      AddFileProblem(file, {},
                     "file is " + std::to_string(text.size()) + " bytes; the limit is " +
                         std::to_string(limits.max_file_bytes) + " bytes per file");
      return;
    }
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    if (size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
      AddFileProblem(file, PositionOf(text, bad),
                     text[bad] == '\0' ? "file contains a NUL byte; configuration must be text"
                                       : "file is not valid UTF-8");
      return;
    }
    YamlParse parse = ParseYaml(text, limits.yaml);
    for (const YamlProblem& p : parse.problems) AddFileProblem(file, p.position, p.message);
    for (size_t d = 0; d < parse.documents.size(); ++d) {
      YamlDocument& doc = parse.documents[d];
      ++out.documents;
      if (doc.value->is_null()) continue;  // a limit stopped it; already reported
      EntityOrigin origin{
          file, d,
          std::make_shared<const std::map<std::string, NodePosition>>(std::move(doc.positions)),
          doc.start};
      model::Problems problems;
      std::optional<model::Entity> entity = model::DecodeEntity(*doc.value, problems);
      if (entity) model::ValidateEntity(*entity, problems);
      for (const model::Problem& p : problems) {
        out.problems.push_back({file, origin.Locate(p.path, p.at_key), p.path, p.message});
      }
      if (entity) {
        out.entities.push_back(std::move(*entity));
        out.origins.push_back(std::move(origin));
      }
    }
  }

  void LoadFile(const fs::path& path) {
    std::string file = path.string();
    std::error_code ec;
    uintmax_t size = fs::file_size(path, ec);
    if (ec) {
      AddFileProblem(file, {}, "cannot read: " + ec.message());
      return;
    }
    if (size > limits.max_file_bytes) {
      ++out.files;
      AddFileProblem(file, {},
                     "file is " + std::to_string(size) + " bytes; the limit is " +
                         std::to_string(limits.max_file_bytes) + " bytes per file");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    std::string text;
    text.resize(static_cast<size_t>(size));
    if (!in.read(text.data(), static_cast<std::streamsize>(size)) && size != 0) {
      AddFileProblem(file, {}, "cannot read the file");
      return;
    }
    LoadText(file, text);
  }

  void LoadPath(const fs::path& path) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      AddFileProblem(path.string(), {}, "no such file or directory");
      return;
    }
    if (!fs::is_directory(status)) {
      LoadFile(path);
      return;
    }
    std::vector<fs::path> files;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      std::string ext = it->path().extension().string();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
      if (files.size() > limits.max_files) break;
    }
    if (ec) AddFileProblem(path.string(), {}, "cannot list directory: " + ec.message());
    if (files.size() > limits.max_files) {
      AddFileProblem(path.string(), {},
                     "more than " + std::to_string(limits.max_files) + " configuration files");
      return;
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) LoadFile(f);
  }

  void CheckAcross(const std::vector<model::Entity>& known) {
    size_t own = out.entities.size();
    std::vector<model::Entity> all = out.entities;
    std::set<std::tuple<model::Kind, std::string, std::string>> keys;
    for (const model::Entity& e : out.entities) {
      keys.emplace(model::KindOf(e), model::ApplicationOf(e), model::NameOf(e));
    }
    for (const model::Entity& e : known) {
      if (!keys.contains({model::KindOf(e), model::ApplicationOf(e), model::NameOf(e)})) {
        all.push_back(e);
      }
    }
    for (const EntityProblem& p : CheckEntities(all, own)) {
      const EntityOrigin& origin = out.origins[p.entity];
      std::string message = p.problem.message;
      if (p.related && *p.related < own) {
        const EntityOrigin& first = out.origins[*p.related];
        SourcePosition pos = first.Locate("/name", false);
        message += " (first defined at " + first.file + ":" + std::to_string(pos.line) + ":" +
                   std::to_string(pos.column) + ")";
      }
      out.problems.push_back(
          {origin.file, origin.Locate(p.problem.path, p.problem.at_key), p.problem.path, message});
    }
    for (RunnableWarning& w : CheckRunnable(out.entities)) {
      const EntityOrigin& origin = out.origins[w.entity];
      out.warnings.push_back(
          {origin.file, origin.Locate(w.part.path, false), w.part.path, w.part.Warning()});
    }
    for (auto* list : {&out.problems, &out.warnings}) {
      std::stable_sort(list->begin(), list->end(),
                       [](const ConfigProblem& a, const ConfigProblem& b) {
                         return std::tie(a.file, a.position.line, a.position.column) <
                                std::tie(b.file, b.position.line, b.position.column);
                       });
    }
  }
};

}  // namespace

std::string ConfigProblem::ToString(std::string_view severity) const {
  std::string out = file;
  if (position.line > 0) {
    out += ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
  }
  out += ": ";
  if (!severity.empty()) out += std::string(severity) + ": ";
  if (!path.empty()) out += model::DisplayPath(path) + ": ";
  out += message;
  return out;
}

SourcePosition EntityOrigin::Locate(const std::string& path, bool at_key) const {
  if (!positions) return start;
  std::string p = path;
  bool exact = true;
  while (true) {
    auto it = positions->find(p);
    if (it != positions->end()) {
      // A problem with a whole mapping or list ("missing field", "set one of") points at its
      // key: a block mapping's own position would be its first child's line.
      if (at_key || it->second.container)
        return exact || it->second.container ? it->second.key : it->second.value;
      return it->second.value;
    }
    if (p.empty()) return start;
    p.erase(p.rfind('/'));
    exact = false;
  }
}

LoadedConfig LoadConfig(const fs::path& path, const LoadLimits& limits,
                        const std::vector<model::Entity>& known) {
  Loader loader{limits, {}};
  loader.LoadPath(path);
  loader.CheckAcross(known);
  return std::move(loader.out);
}

LoadedConfig LoadConfigFiles(const std::vector<std::pair<std::string, std::string>>& files,
                             const LoadLimits& limits, const std::vector<model::Entity>& known) {
  Loader loader{limits, {}};
  for (const auto& [name, text] : files) loader.LoadText(name, text);
  loader.CheckAcross(known);
  return std::move(loader.out);
}

}  // namespace ferry::config
