#include "cli/args.h"

#include "common/strings.h"

namespace ferry::cli {
namespace {

constexpr size_t kMaxName = 128;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool IsName(std::string_view text) {
  if (text.empty() || text.size() > kMaxName) return false;
  for (char c : text) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool IsBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(b.front()) && alnum(b.back()) && b.find("..") == std::string_view::npos;
}

// Decodes %XX escapes (a key typed from a console URL); nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

}  // namespace

Result<ServiceRef> ParseServiceRef(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || !IsName(text.substr(0, slash)) ||
      !IsName(text.substr(slash + 1))) {
    return InvalidArgument(QuoteForMessage(text) +
                           " is not APP/SERVICE: give the application and the service separated "
                           "by one '/', e.g. shop/orders (letters, digits, '-', '_', '.')");
  }
  return ServiceRef{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1))};
}

Result<S3Location> ParseS3Url(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("--s3 " + QuoteForMessage(text) + " " + std::string(why) +
                           " (expected s3://bucket/key or s3://bucket/key?versionId=V)");
  };
  if (!text.starts_with("s3://")) return bad("does not start with s3://");
  std::string_view rest = text.substr(5);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("has no key after the bucket");
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (!IsBucketName(location.bucket)) {
    return bad("has an invalid bucket name (3-63 characters: a-z, 0-9, '.', '-')");
  }
  std::string_view key = rest.substr(slash + 1);
  if (size_t q = key.find('?'); q != std::string_view::npos) {
    std::string_view query = key.substr(q + 1);
    key = key.substr(0, q);
    if (!query.starts_with("versionId=") || query.size() == 10) {
      return bad("has a query other than ?versionId=V");
    }
    auto version = PercentDecode(query.substr(10));
    if (!version || version->find('&') != std::string::npos || version->size() > 1024) {
      return bad("has a malformed versionId");
    }
    location.version_id = *version;
  }
  auto decoded = PercentDecode(key);
  if (!decoded) return bad("has a malformed %-escape in the key");
  if (decoded->empty()) return bad("has an empty key");
  if (decoded->size() > 1024) return bad("has a key longer than 1024 bytes");
  if (!IsValidUtf8(*decoded)) return bad("has a key that is not UTF-8");
  for (unsigned char c : *decoded) {
    if (c < 0x20 || c == 0x7f) return bad("has a control character in the key");
  }
  location.key = std::move(*decoded);
  return location;
}

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  if (text == "text") return OutputFormat::kText;
  if (text == "json") return OutputFormat::kJson;
  return InvalidArgument("-o " + QuoteForMessage(text) +
                         " is not an output format: use text or json");
}

Status ValidateName(std::string_view flag, std::string_view text) {
  if (IsName(text)) return Ok();
  return InvalidArgument(std::string(flag) + " " + QuoteForMessage(text) +
                         " is not a valid name (1-128 of letters, digits, '-', '_', '.')");
}

}  // namespace ferry::cli
