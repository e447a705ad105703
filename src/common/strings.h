// Small string helpers used across modules. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

std::string StrCat(std::initializer_list<std::string_view> parts);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// Splits on every occurrence of sep; "a,,b" gives {"a", "", "b"}; "" gives {""}.
std::vector<std::string> Split(std::string_view text, char sep);
std::string_view Trim(std::string_view text);
std::string ToLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Strict decimal parsing of the whole string; nullopt on any junk or overflow.
std::optional<int64_t> ParseInt(std::string_view text);
std::optional<double> ParseDouble(std::string_view text);

bool IsValidUtf8(std::string_view text);

// Levenshtein distance, for did-you-mean suggestions.
size_t EditDistance(std::string_view a, std::string_view b);
// The candidate closest to `word` when it is close enough to be a plausible typo, else the only
// candidate that `word` (4+ characters) begins, as a shortened name ("duration" →
// "durationSeconds").
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

// Escapes &, <, >, " and CR for XML text and attribute values; what XML 1.0 cannot hold at all
// (invalid UTF-8, control characters other than tab, LF and CR, U+FFFE, U+FFFF) becomes U+FFFD.
std::string EscapeXml(std::string_view text);

// Renders text for an error message: quoted, control characters escaped, cut at max_len.
std::string QuoteForMessage(std::string_view text, size_t max_len = 80);

}  // namespace ferry
