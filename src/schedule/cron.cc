#include "schedule/cron.h"

#include <date/date.h>

#include <array>
#include <charconv>
#include <vector>

namespace ferry::schedule {
namespace {

constexpr size_t kMaxExpression = 256;
constexpr int kScanDays = 8 * 366;
// Wider than any clock change (the largest in the tz database is 2 hours): how far before
// `after` the scan starts, and how far past the best instant it keeps looking for a repeated
// hour's earlier instant.
constexpr LocalSeconds kFoldMargin = 3 * 3600;

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::array<std::string_view, 12>* names;  // value min + i is names[i]; may be null
  int names_count;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 12> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI",
                                                        "SAT", "",    "",    "",    "",    ""};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day of month", 1, 31, nullptr, 0},
    {"month", 1, 12, &kMonthNames, 12},
    {"day of week", 0, 7, &kDayNames, 7},
};

struct Shorthand {
  std::string_view name;
  std::string_view fields;
};
constexpr Shorthand kShorthands[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool Printable(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

class FieldParser {
 public:
  explicit FieldParser(const FieldSpec& spec) : spec_(spec) {}

  // Sets the field's values in `bits` (indexed by value).
  template <size_t N>
  Result<void> Parse(std::string_view field, std::bitset<N>& bits) {
    if (field.empty()) return Fail("is empty");
    size_t start = 0;
    while (start <= field.size()) {
      size_t comma = field.find(',', start);
      if (comma == std::string_view::npos) comma = field.size();
      FERRY_RETURN_IF_ERROR(Item(field.substr(start, comma - start), bits));
      start = comma + 1;
    }
    return {};
  }

 private:
  Error Fail(const std::string& what) const {
    return InvalidArgument(std::string(spec_.name) + " " + what);
  }

  Result<int> Value(std::string_view text) const {
    if (text.empty()) return Fail("has an empty value");
    if (spec_.names != nullptr && !(text[0] >= '0' && text[0] <= '9')) {
      for (int i = 0; i < spec_.names_count; ++i) {
        std::string_view name = (*spec_.names)[i];
        if (name.size() != text.size()) continue;
        bool same = true;
        for (size_t k = 0; k < name.size(); ++k) same = same && Upper(text[k]) == name[k];
        if (same) return spec_.min + i;
      }
      return Fail("has " + std::string(text) + ", which is neither a number nor one of " +
                  std::string((*spec_.names)[0]) + "…" +
                  std::string((*spec_.names)[spec_.names_count - 1]));
    }
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Fail("has " + std::string(text) + ", which is not a number");
    }
    if (value < spec_.min || value > spec_.max) {
      return Fail(std::string(text) + " is out of range " + std::to_string(spec_.min) + "-" +
                  std::to_string(spec_.max));
    }
    return value;
  }

  template <size_t N>
  Result<void> Item(std::string_view item, std::bitset<N>& bits) {
    if (item.empty()) return Fail("has an empty list item");
    int step = 1;
    std::string_view base = item;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      base = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (step_text.empty() || ec != std::errc() || end != step_text.data() + step_text.size() ||
          step < 1 || step > spec_.max) {
        return Fail("has step " + std::string(step_text) + " in " + std::string(item) +
                    "; a step is a number from 1 to " + std::to_string(spec_.max));
      }
    }
    int low = spec_.min;
    int high = spec_.max;
    if (base != "*") {
      size_t dash = base.find('-');
      FERRY_ASSIGN_OR_RETURN(low, Value(base.substr(0, dash)));
      if (dash != std::string_view::npos) {
        FERRY_ASSIGN_OR_RETURN(high, Value(base.substr(dash + 1)));
        if (high < low) {
          return Fail("has range " + std::string(base) +
                      " running backwards; split it in two (like 22-23,0-2)");
        }
      } else if (base.size() == item.size()) {
        high = low;  // a single value
      }
    }
    for (int v = low; v <= high; v += step) bits.set(static_cast<size_t>(v));
    return {};
  }

  const FieldSpec& spec_;
};

int DaysIn(int month, bool leap) {
  constexpr int kDays[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && !leap ? 28 : kDays[month];
}

}  // namespace

Result<CronExpression> CronExpression::Parse(std::string_view text) {
  if (text.size() > kMaxExpression) {
    return InvalidArgument("is " + std::to_string(text.size()) + " characters; at most " +
                           std::to_string(kMaxExpression));
  }
  if (!Printable(text)) {
    return InvalidArgument("has control or non-ASCII characters");
  }
  CronExpression cron;
  cron.text_ = std::string(text);
  std::string_view fields_text = text;
  while (!fields_text.empty() && fields_text.front() == ' ') fields_text.remove_prefix(1);
  while (!fields_text.empty() && fields_text.back() == ' ') fields_text.remove_suffix(1);
  if (!fields_text.empty() && fields_text.front() == '@') {
    const Shorthand* found = nullptr;
    for (const auto& s : kShorthands) {
      if (s.name == fields_text) found = &s;
    }
    if (found == nullptr) {
      return InvalidArgument("unknown shorthand " + std::string(fields_text) +
                             "; use @yearly, @monthly, @weekly, @daily or @hourly, or five fields");
    }
    fields_text = found->fields;
  }
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < fields_text.size()) {
    while (i < fields_text.size() && (fields_text[i] == ' ' || fields_text[i] == '\t')) ++i;
    size_t start = i;
    while (i < fields_text.size() && fields_text[i] != ' ' && fields_text[i] != '\t') ++i;
    if (i > start) fields.push_back(fields_text.substr(start, i - start));
  }
  if (fields.size() != 5) {
    return InvalidArgument("has " + std::to_string(fields.size()) +
                           " fields; give five: minute hour day-of-month month day-of-week");
  }
  FERRY_RETURN_IF_ERROR(FieldParser(kFields[0]).Parse(fields[0], cron.minutes_));
  FERRY_RETURN_IF_ERROR(FieldParser(kFields[1]).Parse(fields[1], cron.hours_));
  FERRY_RETURN_IF_ERROR(FieldParser(kFields[2]).Parse(fields[2], cron.days_));
  FERRY_RETURN_IF_ERROR(FieldParser(kFields[3]).Parse(fields[3], cron.months_));
  std::bitset<8> weekdays;
  FERRY_RETURN_IF_ERROR(FieldParser(kFields[4]).Parse(fields[4], weekdays));
  for (size_t d = 0; d < 7; ++d) cron.weekdays_[d] = weekdays[d];
  if (weekdays[7]) cron.weekdays_.set(0);
  cron.days_restricted_ = fields[2].front() != '*';
  cron.weekdays_restricted_ = fields[4].front() != '*';
  cron.fires_twice_in_repeated_hour_ = fields[0].front() == '*' || fields[1].front() == '*';

  if (cron.days_restricted_ && !cron.weekdays_restricted_) {
    bool possible = false;
    for (int m = 1; m <= 12 && !possible; ++m) {
      if (!cron.months_[m]) continue;
      for (int d = 1; d <= DaysIn(m, true) && !possible; ++d) possible = cron.days_[d];
    }
    if (!possible) {
      return InvalidArgument("never fires: no chosen month has the chosen days of the month");
    }
  }
  return cron;
}

bool CronExpression::DayMatches(int month, int day_of_month, int weekday) const {
  if (!months_[month]) return false;
  const bool day = days_[day_of_month];
  const bool week = weekdays_[weekday];
  if (days_restricted_ && weekdays_restricted_) return day || week;
  if (days_restricted_) return day;
  if (weekdays_restricted_) return week;
  return true;
}

std::optional<Instant> CronExpression::NextAfter(Instant after, const TimeZone& zone) const {
  const LocalSeconds scan_from = zone.ToLocal(after) - kFoldMargin;
  const date::sys_days first_day = date::floor<date::days>(
      date::sys_seconds(std::chrono::seconds(scan_from)));
  std::optional<Instant> best;
  LocalSeconds best_local = 0;
  auto consider = [&](Instant t) {
    if (t <= after || (best && t >= *best)) return;
    best = t;
    best_local = zone.ToLocal(t);
  };
  for (int offset = 0; offset < kScanDays; ++offset) {
    const date::sys_days day = first_day + date::days(offset);
    const LocalSeconds day_start = std::chrono::seconds(day.time_since_epoch()).count();
    if (best && day_start > best_local + kFoldMargin) break;
    const date::year_month_day ymd(day);
    const int weekday = static_cast<int>(date::weekday(day).c_encoding());
    if (!DayMatches(static_cast<int>(static_cast<unsigned>(ymd.month())),
                    static_cast<int>(static_cast<unsigned>(ymd.day())), weekday)) {
      continue;
    }
    for (int h = 0; h < 24; ++h) {
      if (!hours_[h]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_[m]) continue;
        const LocalSeconds local = day_start + h * 3600 + m * 60;
        if (local < scan_from) continue;
        if (best && local > best_local + kFoldMargin) return best;
        const LocalResolution r = zone.Resolve(local);
        consider(r.first);
        if (r.kind == LocalResolution::Kind::kRepeated && fires_twice_in_repeated_hour_) {
          consider(r.second);
        }
      }
    }
  }
  return best;
}

}  // namespace ferry::schedule
