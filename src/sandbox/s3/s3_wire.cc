#include "sandbox/s3/s3_wire.h"

#include <ctime>

#include "common/strings.h"
#include "common/time.h"

namespace ferry::sandbox::s3 {

XmlWriter::XmlWriter(std::string_view root, bool with_namespace) {
  if (with_namespace) {
    writer_.Open(root, {{"xmlns", kS3Namespace}});
  } else {
    writer_.Open(root);
  }
}

XmlWriter& XmlWriter::Open(std::string_view name) {
  writer_.Open(name);
  return *this;
}

XmlWriter& XmlWriter::Close() {
  writer_.Close();
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  writer_.Element(name, text);
  return *this;
}

std::string XmlWriter::Finish() {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + writer_.Finish();
}

std::string FormatHttpDate(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<TimePoint> ParseHttpDate(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    if (auto iso = ParseRfc3339(text)) return iso;
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string FormatIsoDate(TimePoint t) { return FormatRfc3339(t); }

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (i + 2 >= text.size()) {
      return InvalidArgument("truncated percent escape in path");
    }
    int hi = hex(text[i + 1]);
    int lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return InvalidArgument("invalid percent escape in path");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string UrlEncodeKey(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<ParsedXml> ParseRequestXml(std::string_view body) {
  FERRY_ASSIGN_OR_RETURN(const XmlDocument doc, XmlDocument::Parse(body));
  const XmlElement root = doc.Root();
  ParsedXml out;
  out.root_name = root.Name();
  for (const XmlElement& child : root.Children()) {
    std::string_view name = child.Name();
    if (name == "Object" || name == "Part") {
      std::vector<std::pair<std::string, std::string>> fields;
      for (const XmlElement& field : child.Children()) {
        fields.emplace_back(field.Name(), field.Text());
      }
      (name == "Object" ? out.objects : out.parts).push_back(std::move(fields));
    } else {
      out.children.emplace_back(child.Name(), child.Text());
    }
  }
  return out;
}

}  // namespace ferry::sandbox::s3
