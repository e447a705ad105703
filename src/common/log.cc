#include "common/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

#include "common/clock.h"
#include "common/json.h"
#include "common/secret_mask.h"
#include "common/time.h"

namespace ferry::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};

std::mutex g_capture_mu;
std::function<void(const std::string&)> g_capture;  // Guarded by g_capture_mu.

spdlog::logger& Logger() {
  // The pattern is just the message: Ferry renders timestamp, level and fields itself so the
  // text and JSON formats stay identical in content.
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("ferry", sink);
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

}  // namespace

void Configure(Level level, Format format) {
  g_level = level;
  g_format = format;
}

Level ParseLevel(std::string_view name) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (LevelName(l) == name) return l;
  }
  return Level::kInfo;
}

bool Enabled(Level level) { return level != Level::kOff && level >= g_level.load(); }

std::string Render(Level level, std::string_view message, const Fields& fields, Format format) {
  const std::string ts = FormatRfc3339(SystemClock::Instance().Now());
  std::string line;
  if (format == Format::kJson) {
    Json obj = Json::object();
    obj["ts"] = ts;
    obj["level"] = LevelName(level);
    obj["msg"] = MaskSecrets(message);
    for (const auto& [k, v] : fields) obj[k] = MaskSecrets(v);
    return DumpJson(obj);
  }
  std::string level_upper(LevelName(level));
  for (auto& c : level_upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  line = ts + " " + level_upper + " " + std::string(message);
  for (const auto& [k, v] : fields) {
    line += " " + k + "=";
    if (NeedsQuotes(v)) {
      line += DumpJson(Json(v));
    } else {
      line += v;
    }
  }
  return MaskSecrets(line);
}

void Write(Level level, std::string_view message, const Fields& fields) {
  if (!Enabled(level)) return;
  std::string line = Render(level, message, fields, g_format.load());
  {
    std::lock_guard lock(g_capture_mu);
    if (g_capture) g_capture(line);
  }
  Logger().log(spdlog::level::info, "{}", line);
}

CaptureLog::CaptureLog(std::function<void(const std::string&)> sink) {
  std::lock_guard lock(g_capture_mu);
  g_capture = std::move(sink);
}

CaptureLog::~CaptureLog() {
  std::lock_guard lock(g_capture_mu);
  g_capture = nullptr;
}

}  // namespace ferry::log
