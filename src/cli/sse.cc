#include "cli/sse.h"

namespace ferry::cli {

void SseParser::Reset() {
  line_.clear();
  skip_lf_ = false;
  event_ = SseEvent{};
  has_data_ = false;
  event_bytes_ = 0;
}

Status SseParser::Feed(std::string_view chunk,
                       const std::function<bool(const SseEvent&)>& on_event) {
  for (size_t i = 0; i < chunk.size(); ++i) {
    const char c = chunk[i];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      std::string line = std::move(line_);
      line_.clear();
      if (!ProcessLine(line, on_event)) return Ok();
      continue;
    }
    if (line_.size() + event_bytes_ >= max_bytes_) {
      return Error{ErrorCode::kPayloadTooLarge, "an event of the log stream is larger than " +
                                                    std::to_string(max_bytes_ / 1024) + " KiB"};
    }
    line_.push_back(c);
  }
  return Ok();
}

bool SseParser::ProcessLine(std::string_view line,
                            const std::function<bool(const SseEvent&)>& on_event) {
  if (line.empty()) {
    bool keep_going = true;
    if (!event_.id.empty()) last_event_id_ = event_.id;
    if (has_data_) {
      keep_going = on_event(event_);
    }
    event_ = SseEvent{};
    has_data_ = false;
    event_bytes_ = 0;
    return keep_going;
  }
  if (line.front() == ':') return true;
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  event_bytes_ += line.size();
  if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.event = std::string(value);
  } else if (field == "id") {
    // The spec ignores ids containing NUL.
    if (value.find('\0') == std::string_view::npos) event_.id = std::string(value);
  }
  return true;
}

}  // namespace ferry::cli
