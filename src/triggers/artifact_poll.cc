#include "triggers/artifact_poll.h"

#include <regex>

#include "common/json.h"
#include "common/time.h"

namespace ferry::triggers {
namespace {

// `*` any run of characters, `?` one; everything else literally (as the deploy path's check of
// a key against the source, api/deploy_service.cc).
bool GlobMatches(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string Unquoted(const std::string& etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

Result<ObjectSelection> SelectionOf(const model::ArtifactSource& source) {
  if (!source.s3) {
    return Error{ErrorCode::kUnimplemented,
                 "new-artifact triggers poll S3 artifact sources only (HTTP, local and ECR "
                 "sources: not yet)",
                 {}};
  }
  const model::S3ArtifactSource& s3 = *source.s3;
  if (s3.key) {
    return Error{ErrorCode::kUnimplemented,
                 "new-artifact triggers on a fixed key's object versions (s3.key): not yet; use "
                 "keyPattern or prefix",
                 {}};
  }
  ObjectSelection out;
  out.cloud_provider = source.cloud_provider.value_or("");
  out.region = s3.region.value_or("");
  out.bucket = s3.bucket;
  if (s3.key_pattern) {
    out.key_pattern = s3.key_pattern;
    out.list_prefix = s3.key_pattern->substr(0, s3.key_pattern->find_first_of("*?"));
  } else {
    out.prefix = s3.prefix.value_or("");
    out.list_prefix = *out.prefix;
    out.filter = s3.filter;
    if (out.filter) {
      try {
        std::regex check(*out.filter);
      } catch (const std::regex_error&) {
        return InvalidArgument("the artifact source's filter is not a valid regular expression");
      }
    }
  }
  return out;
}

bool Selects(const ObjectSelection& selection, const std::string& key, std::string* version) {
  if (selection.key_pattern) return GlobMatches(*selection.key_pattern, key);
  const std::string& prefix = selection.prefix.value_or("");
  if (!key.starts_with(prefix)) return false;
  if (!selection.filter) return true;
  try {
    std::smatch m;
    const std::string rest = key.substr(prefix.size());
    if (!std::regex_match(rest, m, std::regex(*selection.filter))) return false;
    if (version != nullptr && m.size() > 1) *version = m[1].str();
    return true;
  } catch (const std::regex_error&) {
    return false;  // e.g. a regex too complex for this key: not an artifact
  }
}

std::string SelectionFingerprint(const ObjectSelection& s) {
  return DumpJson(Json{{"provider", s.cloud_provider},
                       {"bucket", s.bucket},
                       {"keyPattern", s.key_pattern.value_or("")},
                       {"prefix", s.prefix.value_or("")},
                       {"filter", s.filter.value_or("")}});
}

std::string EncodeCursor(const PollCursor& c) {
  Json j{{"fingerprint", c.fingerprint},
         {"baselined", c.baselined},
         {"lastKey", c.last_key},
         {"pollsSinceFull", c.polls_since_full}};
  if (c.watermark) j["watermarkMs"] = ToUnixMillis(*c.watermark);
  return DumpJson(j);
}

PollCursor DecodeCursor(const std::string& json) {
  PollCursor c;
  auto parsed = ParseJson(json);
  if (!parsed.ok() || !parsed->is_object()) return c;
  const Json& j = *parsed;
  auto str = [&](const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.fingerprint = str("fingerprint");
  c.last_key = str("lastKey");
  if (auto it = j.find("baselined"); it != j.end() && it->is_boolean()) c.baselined = *it;
  if (auto it = j.find("pollsSinceFull"); it != j.end() && it->is_number_integer()) {
    c.polls_since_full = it->get<int>();
  }
  if (auto it = j.find("watermarkMs"); it != j.end() && it->is_number_integer()) {
    c.watermark = FromUnixMillis(it->get<int64_t>());
  }
  return c;
}

std::string ObjectFireKey(const std::string& bucket, const ListedObject& object) {
  return "object:" + bucket + "/" + object.key + "#" + Unquoted(object.etag);
}

Result<PollResult> PollArtifacts(ObjectLister& lister, const ObjectSelection& selection,
                                 const PollCursor& cursor, const PollOptions& options) {
  PollResult out;
  PollCursor next = cursor;
  const std::string fingerprint = SelectionFingerprint(selection);
  if (next.fingerprint != fingerprint) next = PollCursor{.fingerprint = fingerprint};
  out.full = !next.baselined || next.polls_since_full + 1 >= options.full_every;

  ListRequest request{selection.cloud_provider,
                      selection.region,
                      selection.bucket,
                      selection.list_prefix,
                      out.full ? "" : next.last_key,
                      ""};
  std::vector<ListedObject> listed;
  while (true) {
    if (out.calls >= options.max_calls) {
      return FailedPrecondition("the artifact source lists more than " +
                                std::to_string(options.max_calls) +
                                " pages of keys; narrow its prefix");
    }
    ++out.calls;
    FERRY_ASSIGN_OR_RETURN(ListPage page, lister.List(request));
    for (auto& o : page.objects) listed.push_back(std::move(o));
    if (page.next_token.empty()) break;
    if (page.next_token == request.continuation_token) {
      return Unavailable("the S3 listing repeated its continuation token");
    }
    request.continuation_token = page.next_token;
  }

  std::optional<TimePoint> newest;
  std::string last_key = out.full ? std::string() : next.last_key;
  for (const ListedObject& o : listed) {
    if (o.key > last_key) last_key = o.key;
    if (!newest || o.last_modified > *newest) newest = o.last_modified;
  }
  const std::optional<TimePoint> since =
      next.watermark ? std::optional<TimePoint>(*next.watermark - options.margin) : std::nullopt;

  for (const ListedObject& o : listed) {
    NewObject n;
    if (!Selects(selection, o.key, &n.version)) continue;
    if (n.version.empty()) n.version = Unquoted(o.etag);
    n.fire_key = ObjectFireKey(selection.bucket, o);
    if (!next.baselined) {
      // Seen at the baseline. Only the recent ones matter: older objects are never taken again
      // by a full listing (they are older than its watermark).
      if (newest && o.last_modified >= *newest - options.margin) {
        out.baseline_keys.push_back(n.fire_key);
      }
      continue;
    }
    const bool after_last = o.key > next.last_key;
    const bool recent = since && o.last_modified >= *since;
    if (out.full ? (after_last || recent || !since) : true) {
      n.object = o;
      out.found.push_back(std::move(n));
    }
  }

  next.last_key = std::max(next.last_key, last_key);
  if (out.full) {
    next.polls_since_full = 0;
    if (newest && (!next.watermark || *newest > *next.watermark)) next.watermark = newest;
  } else {
    ++next.polls_since_full;
  }
  next.baselined = true;
  out.cursor = next;
  return out;
}

}  // namespace ferry::triggers
