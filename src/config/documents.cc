#include "config/documents.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "common/json.h"
#include "config/semantics.h"
#include "model/json_codec.h"
#include "model/validate.h"

namespace ferry::config {

CheckedDocuments CheckEntityDocuments(const std::vector<Json>& documents,
                                      const std::vector<model::Entity>& known) {
  CheckedDocuments out;
  for (size_t d = 0; d < documents.size(); ++d) {
    model::Problems problems;
    std::optional<model::Entity> entity = model::DecodeEntity(documents[d], problems);
    if (entity) model::ValidateEntity(*entity, problems);
    for (model::Problem& p : problems) {
      out.problems.push_back({d, std::move(p.path), std::move(p.message)});
    }
    if (entity) {
      out.entities.push_back(std::move(*entity));
      out.documents.push_back(d);
    }
  }

  // The same cross-entity pass LoadConfig runs: the documents first (they get problems), then
  // the known entities they do not replace (reference targets only).
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
    std::string message = p.problem.message;
    if (p.related && *p.related < own) {
      message += " (first defined in document " + std::to_string(out.documents[*p.related]) + ")";
    }
    out.problems.push_back({out.documents[p.entity], p.problem.path, std::move(message)});
  }
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const DocumentProblem& a, const DocumentProblem& b) {
                     return std::tie(a.document, a.path) < std::tie(b.document, b.path);
                   });
  return out;
}

}  // namespace ferry::config
