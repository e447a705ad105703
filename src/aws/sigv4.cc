#include "aws/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <deque>
#include <mutex>
#include <utility>

#include "common/crypto.h"
#include "common/strings.h"

namespace ferry::aws {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct UrlParts {
  std::string host;  // the Host header value: host[:port], default port dropped
  std::string path;  // as on the wire, "/" when empty
  std::string query;
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  std::string_view scheme;
  if (auto pos = url.find("://"); pos != std::string_view::npos) {
    scheme = url.substr(0, pos);
    url.remove_prefix(pos + 3);
  }
  if (auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  size_t authority_end = url.find_first_of("/?");
  std::string_view authority = url.substr(0, authority_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view rest = authority_end == std::string_view::npos ? "" : url.substr(authority_end);
  // Host is case-insensitive; AWS canonicalises it in lower case.
  parts.host = ToLower(authority);
  std::string_view default_port = EqualsIgnoreCase(scheme, "http") ? ":80" : ":443";
  if (parts.host.size() > default_port.size() && parts.host.ends_with(default_port) &&
      parts.host.back() != ']') {
    parts.host.resize(parts.host.size() - default_port.size());
  }
  auto q = rest.find('?');
  parts.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) parts.query = std::string(rest.substr(q + 1));
  if (parts.path.empty()) parts.path = "/";
  return parts;
}

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX sequences; a '%' not followed by two hex digits stays literal.
std::string UriDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// Removes empty, "." and ".." segments; keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string> segments;
  for (auto& segment : Split(path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(std::move(segment));
  }
  std::string out = "/" + Join(segments, "/");
  if (!segments.empty() && path.ends_with('/')) out.push_back('/');
  return out;
}

std::string CanonicalPath(std::string_view wire_path, bool s3_rules, bool normalize) {
  if (s3_rules) return std::string(wire_path);
  return UriEncode(normalize ? NormalizePath(wire_path) : std::string(wire_path), true);
}

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded

QueryParams ParseQuery(std::string_view query) {
  QueryParams params;
  if (query.empty()) return params;
  for (const auto& item : Split(query, '&')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string_view name = std::string_view(item).substr(0, eq);
    std::string_view value = eq == std::string::npos ? "" : std::string_view(item).substr(eq + 1);
    params.emplace_back(UriDecode(name), UriDecode(value));
  }
  return params;
}

std::string CanonicalQuery(const QueryParams& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [name, value] : params) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

// Trims and collapses runs of whitespace (including folded-line breaks) into one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Headers never signed: they are changed by proxies and transports along the way.
bool IsUnsignable(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" ||
         lower_name == "x-amzn-trace-id" || lower_name == "expect" || lower_name == "connection" ||
         lower_name == "transfer-encoding" || lower_name == "x-amz-user-agent";
}

struct Canonical {
  std::string headers;         // "name:value\n" lines
  std::string signed_headers;  // "a;b;c"
};

// headers: (lower name, raw value) in request order, already filtered to those signed.
Canonical CanonicalHeaders(const HeaderList& headers) {
  std::vector<std::pair<std::string, std::string>> merged;  // stable: values keep their order
  for (const auto& header : headers) {
    const std::string& name = header.first;
    const std::string& value = header.second;
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&name](const auto& entry) { return entry.first == name; });
    std::string canonical = CanonicalHeaderValue(value);
    if (it == merged.end()) {
      merged.emplace_back(name, std::move(canonical));
    } else {
      it->second += "," + canonical;
    }
  }
  std::sort(merged.begin(), merged.end());
  Canonical out;
  for (const auto& [name, value] : merged) {
    out.headers += name + ":" + value + "\n";
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string key = HmacSha256(std::string("AWS4") + std::string(secret), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

struct Scope {
  std::string amz_date;  // 20150830T123600Z
  std::string date;      // 20150830
  std::string region;
  std::string service;
  std::string ToString() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// The signing key depends only on the secret, the day, the region and the service, so it is
// derived once per combination (as the AWS SDKs do) rather than with four HMACs per request.
// The few combinations a process uses at a time are kept; the oldest goes first.
std::string CachedSigningKey(std::string_view secret, const Scope& scope) {
  struct Entry {
    std::string secret, date, region, service, key;
  };
  constexpr size_t kMaxEntries = 16;
  static std::mutex mu;
  static std::deque<Entry> cache;  // guarded by mu
  {
    std::lock_guard lock(mu);
    for (const Entry& e : cache) {
      if (e.date == scope.date && e.region == scope.region && e.service == scope.service &&
          e.secret == secret) {
        return e.key;
      }
    }
  }
  std::string key = SigningKey(secret, scope.date, scope.region, scope.service);
  std::lock_guard lock(mu);
  if (cache.size() >= kMaxEntries) cache.pop_front();
  cache.push_back({std::string(secret), scope.date, scope.region, scope.service, key});
  return key;
}

SigningArtifacts Finish(std::string_view method, const std::string& canonical_path,
                        const std::string& canonical_query, const HeaderList& headers,
                        std::string_view payload_hash, const Scope& scope,
                        std::string_view secret) {
  Canonical canonical = CanonicalHeaders(headers);
  SigningArtifacts out;
  out.signed_headers = canonical.signed_headers;
  out.canonical_request =
      StrCat({method, "\n", canonical_path, "\n", canonical_query, "\n", canonical.headers, "\n",
              canonical.signed_headers, "\n", payload_hash});
  out.string_to_sign = StrCat({kSigV4Algorithm, "\n", scope.amz_date, "\n", scope.ToString(), "\n",
                               Sha256Hex(out.canonical_request)});
  out.signature = HexEncode(HmacSha256(CachedSigningKey(secret, scope), out.string_to_sign));
  return out;
}

bool IsReplacedBySigner(std::string_view lower_name) {
  return lower_name == "authorization" || lower_name == "x-amz-date" ||
         lower_name == "x-amz-security-token" || lower_name == "x-amz-content-sha256";
}

bool AddsContentSha(const SigningParams& params) {
  return params.s3_rules || params.content_sha256_header;
}

std::string PayloadHash(const HttpRequest& request, const SigningParams& params, bool query_form) {
  if (params.s3_rules && (params.unsigned_payload || query_form)) {
    return std::string(kUnsignedPayload);
  }
  return Sha256Hex(request.body);
}

// The request's own headers (lower-cased names) that get signed, plus Host when absent.
HeaderList SignableHeaders(const HttpRequest& request, const UrlParts& url) {
  HeaderList headers;
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(name);
    if (IsUnsignable(lower) || IsReplacedBySigner(lower)) continue;
    if (lower == "host") has_host = true;
    headers.emplace_back(std::move(lower), value);
  }
  if (!has_host) headers.emplace_back("host", url.host);
  return headers;
}

Scope MakeScope(const SigningParams& params) {
  Scope scope;
  scope.amz_date = FormatAmzDate(params.time);
  scope.date = scope.amz_date.substr(0, 8);
  scope.region = params.region;
  scope.service = params.service;
  return scope;
}

// The X-Amz-* query parameters of a pre-signed URL, in the order AWS's SDKs append them.
QueryParams PresignParams(const Credentials& creds, const Scope& scope,
                          const std::string& signed_headers, std::chrono::seconds expires,
                          bool include_token) {
  QueryParams params = {
      {"X-Amz-Algorithm", std::string(kSigV4Algorithm)},
      {"X-Amz-Credential", creds.access_key_id + "/" + scope.ToString()},
      {"X-Amz-Date", scope.amz_date},
      {"X-Amz-SignedHeaders", signed_headers},
      {"X-Amz-Expires", std::to_string(expires.count())},
  };
  if (include_token && !creds.session_token.empty()) {
    params.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  return params;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormatAmzDate(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<TimePoint> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) {
    return static_cast<int>(*ParseInt(text.substr(pos, len)));
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  std::tm check = tm;
  std::time_t secs = timegm(&check);
  if (check.tm_mday != tm.tm_mday) return std::nullopt;  // 31 February
  // TimePoint counts nanoseconds in 64 bits (about 1677 to 2262): a year outside would overflow.
  constexpr int64_t kMaxSeconds =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count() - 1;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return std::nullopt;
  return std::chrono::system_clock::from_time_t(secs);
}

SigningArtifacts ComputeSignature(const HttpRequest& request, const Credentials& creds,
                                  const SigningParams& params, bool query_form,
                                  std::chrono::seconds expires) {
  UrlParts url = SplitUrl(request.url);
  Scope scope = MakeScope(params);
  HeaderList headers = SignableHeaders(request, url);
  QueryParams query = ParseQuery(url.query);
  std::string payload_hash = PayloadHash(request, params, query_form);
  if (query_form) {
    std::string signed_headers = CanonicalHeaders(headers).signed_headers;
    for (auto& param :
         PresignParams(creds, scope, signed_headers, expires, !params.omit_session_token)) {
      query.push_back(std::move(param));
    }
  } else {
    headers.emplace_back("x-amz-date", scope.amz_date);
    if (!creds.session_token.empty() && !params.omit_session_token) {
      headers.emplace_back("x-amz-security-token", creds.session_token);
    }
    if (AddsContentSha(params)) headers.emplace_back("x-amz-content-sha256", payload_hash);
  }
  return Finish(request.method, CanonicalPath(url.path, params.s3_rules, params.normalize_path),
                CanonicalQuery(query), headers, payload_hash, scope, creds.secret_access_key);
}

void SignRequest(HttpRequest& request, const Credentials& creds, const SigningParams& params) {
  SigningArtifacts artifacts = ComputeSignature(request, creds, params, /*query_form=*/false);
  std::erase_if(request.headers,
                [](const auto& header) { return IsReplacedBySigner(ToLower(header.first)); });
  Scope scope = MakeScope(params);
  if (!creds.session_token.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  }
  request.headers.emplace_back("X-Amz-Date", scope.amz_date);
  if (AddsContentSha(params)) {
    request.headers.emplace_back("x-amz-content-sha256",
                                 PayloadHash(request, params, /*query_form=*/false));
  }
  request.headers.emplace_back(
      "Authorization",
      StrCat({kSigV4Algorithm, " Credential=", creds.access_key_id, "/", scope.ToString(),
              ", SignedHeaders=", artifacts.signed_headers, ", Signature=", artifacts.signature}));
}

std::string PresignUrl(const HttpRequest& request, const Credentials& creds,
                       const SigningParams& params, std::chrono::seconds expires) {
  SigningArtifacts artifacts = ComputeSignature(request, creds, params, true, expires);
  std::string url = request.url.substr(0, request.url.find('#'));
  QueryParams added = PresignParams(creds, MakeScope(params), artifacts.signed_headers, expires,
                                    /*include_token=*/true);
  added.emplace_back("X-Amz-Signature", artifacts.signature);
  // A trailing '&' ends a query, not a path ("/key&" is a key): only after '?' is it a separator.
  // A '?' ends the URL as the query's start only when it is the first one: "/?a=b?" has a value
  // "b?" that still needs its '&'.
  const size_t query_start = url.find('?');
  char sep = query_start == std::string::npos ? '?' : '&';
  if (query_start == url.size() - 1 || (query_start != std::string::npos && url.back() == '&')) {
    sep = '\0';
  }
  for (const auto& [name, value] : added) {
    if (sep != '\0') url.push_back(sep);
    sep = '&';
    url += name + "=" + UriEncode(value, false);
  }
  return url;
}

SigningArtifacts ExpectedSignature(const HttpRequest& request, const SignatureParts& parts,
                                   std::string_view secret_access_key, bool s3_rules) {
  UrlParts url = SplitUrl(request.url);
  HeaderList headers;
  std::string content_sha;
  for (const auto& [name, value] : request.headers) {
    std::string lower = ToLower(name);
    if (lower == "x-amz-content-sha256" && content_sha.empty()) content_sha = value;
    if (std::find(parts.signed_headers.begin(), parts.signed_headers.end(), lower) !=
        parts.signed_headers.end()) {
      headers.emplace_back(std::move(lower), value);
    }
  }
  bool signs_host = std::find(parts.signed_headers.begin(), parts.signed_headers.end(), "host") !=
                    parts.signed_headers.end();
  bool has_host = std::any_of(headers.begin(), headers.end(),
                              [](const auto& header) { return header.first == "host"; });
  if (signs_host && !has_host) headers.emplace_back("host", url.host);

  QueryParams query = ParseQuery(url.query);
  if (parts.query_form) {
    std::erase_if(query, [](const auto& param) { return param.first == "X-Amz-Signature"; });
  }
  std::string payload_hash;
  if (s3_rules && parts.query_form) {
    payload_hash = std::string(kUnsignedPayload);
  } else if (s3_rules && !content_sha.empty()) {
    payload_hash = content_sha;
  } else {
    payload_hash = Sha256Hex(request.body);
  }
  Scope scope{FormatAmzDate(parts.amz_date), parts.date, parts.region, parts.service};
  return Finish(request.method, CanonicalPath(url.path, s3_rules, /*normalize=*/true),
                CanonicalQuery(query), headers, payload_hash, scope, secret_access_key);
}

namespace internal {
// Shared with sigv4_parse.cc.
std::vector<std::pair<std::string, std::string>> DecodedQueryOf(std::string_view url) {
  return ParseQuery(SplitUrl(url).query);
}
}  // namespace internal

}  // namespace ferry::aws
