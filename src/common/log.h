// Structured logging over spdlog. Every line passes through the global SecretMasker.
//
//   log::Info("deploy started", {{"execution", id}, {"function", name}});
//
// Text format: "2026-11-27T23:21:03.123Z INFO deploy started execution=01J… function=orders".
// JSON format: one object per line {"ts":…,"level":"info","msg":…, fields…}.
// Thread-safe. Output goes to stderr unless a sink is set (tests capture lines with CaptureLog).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::log {

enum class Level { kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

using Fields = std::vector<std::pair<std::string, std::string>>;

void Configure(Level level, Format format);
// kInvalidArgument-free parse: "debug", "info", "warn", "error", "off"; defaults to kInfo.
Level ParseLevel(std::string_view name);
bool Enabled(Level level);

void Write(Level level, std::string_view message, const Fields& fields = {});
inline void Debug(std::string_view m, const Fields& f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, const Fields& f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, const Fields& f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, const Fields& f = {}) { Write(Level::kError, m, f); }

// Renders a line exactly as it would be written (masked), without writing it.
std::string Render(Level level, std::string_view message, const Fields& fields, Format format);

// While alive, every written line (already masked and formatted) is also passed to `sink`.
class CaptureLog {
 public:
  explicit CaptureLog(std::function<void(const std::string&)> sink);
  ~CaptureLog();
  CaptureLog(const CaptureLog&) = delete;
  CaptureLog& operator=(const CaptureLog&) = delete;
};

}  // namespace ferry::log
