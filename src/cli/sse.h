// SseParser: an incremental parser for Server-Sent Events (the WHATWG event-stream format) as
// `ferry logs -f` receives them: bytes in, complete events out.
//
// Lines end in LF, CR or CRLF (a CRLF split across two Feed calls counts once). "field: value"
// sets id, event or data (several data lines join with LF); comment lines (":...") are keep-alives
// and ignored; a blank line dispatches the event. An event's id is also remembered as
// last_event_id() for a resumed request (Last-Event-ID). A line or an event longer than max_bytes
// is an error (a hostile or broken server must not make the CLI buffer without bound).
// Not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ferry::cli {

struct SseEvent {
  std::string id;
  std::string event = "message";
  std::string data;
};

class SseParser {
 public:
  explicit SseParser(size_t max_bytes = 1024 * 1024) : max_bytes_(max_bytes) {}

  // Parses the chunk, calling on_event for every complete event; on_event returns false to stop
  // (the rest of the chunk is dropped). kPayloadTooLarge past max_bytes.
  Status Feed(std::string_view chunk, const std::function<bool(const SseEvent&)>& on_event);

  const std::string& last_event_id() const { return last_event_id_; }
  // Forgets partial input (for a new connection), keeping last_event_id.
  void Reset();

 private:
  // Returns false when on_event asked to stop.
  bool ProcessLine(std::string_view line, const std::function<bool(const SseEvent&)>& on_event);

  const size_t max_bytes_;
  std::string line_;
  bool skip_lf_ = false;  // the previous chunk ended in CR
  SseEvent event_;
  bool has_data_ = false;
  size_t event_bytes_ = 0;
  std::string last_event_id_;
};

}  // namespace ferry::cli
