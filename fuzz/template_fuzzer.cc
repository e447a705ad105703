// `${...}` templates (config/template.h), which every string field of a configuration may hold.
// Invariants: every reference found points at a "${" in the text; a template that parses renders
// once every name it references has a value, and fails to render when it does not parse;
// escaping a text ("${" -> "$${") and rendering it gives the text back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/template.h"
#include "fuzz_check.h"

namespace {

std::string Escape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "${") == 0) out += '$';
    out += text[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto refs = ParseTemplate(text);

  TemplateContext context;
  context.secret = [](std::string_view name) -> ferry::Result<std::string> {
    return "<" + std::string(name) + ">";
  };
  if (!refs.ok()) {
    FUZZ_CHECK(!RenderTemplate(text, context).ok());
  } else {
    for (const TemplateReference& ref : *refs) {
      FUZZ_CHECK(ref.offset + 2 <= text.size() && text.compare(ref.offset, 2, "${") == 0);
      FUZZ_CHECK(!ref.name.empty());
      auto [ns, rest] = SplitReference(ref.name);
      if (ns != "secrets") context.values[ref.name] = "[" + ref.name + "]";
    }
    auto rendered = RenderTemplate(text, context);
    FUZZ_CHECK(rendered.ok());
    auto kept = RenderTemplateKeepingSecrets(text, context);
    FUZZ_CHECK(kept.ok());
  }

  auto literal = RenderTemplate(Escape(text), TemplateContext{});
  FUZZ_CHECK(literal.ok());
  FUZZ_CHECK(*literal == text);
  return 0;
}
