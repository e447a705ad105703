#include "cli/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry::cli {
namespace {

std::vector<SseEvent> FeedAll(SseParser& parser, const std::vector<std::string>& chunks) {
  std::vector<SseEvent> events;
  for (const std::string& chunk : chunks) {
    Status s = parser.Feed(chunk, [&](const SseEvent& e) {
      events.push_back(e);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  return events;
}

TEST(SseParser, ParsesEventsSplitAnywhere) {
  const std::string stream =
      ": keep-alive\r\nid: 1\r\nevent: log\r\ndata: {\"a\":1}\r\n\r\nid: 2\nevent: log\ndata: x\n"
      "data: y\n\nevent: end\rdata: {\"status\":\"succeeded\"}\r\r";
  // Every split point, including inside a CRLF, gives the same events.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SseParser parser;
    auto events = FeedAll(parser, {stream.substr(0, cut), stream.substr(cut)});
    ASSERT_EQ(events.size(), 3u) << "cut at " << cut;
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[0].event, "log");
    EXPECT_EQ(events[0].data, "{\"a\":1}");
    EXPECT_EQ(events[1].data, "x\ny");
    EXPECT_EQ(events[2].event, "end");
    EXPECT_EQ(parser.last_event_id(), "2");
  }
}

TEST(SseParser, ResetKeepsTheLastIdAndDropsPartialInput) {
  SseParser parser;
  auto events = FeedAll(parser, {"id: 7\ndata: a\n\nid: 8\ndata: partial"});
  ASSERT_EQ(events.size(), 1u);
  parser.Reset();
  EXPECT_EQ(parser.last_event_id(), "7");
  events = FeedAll(parser, {"\n\nid: 9\ndata: b\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "b");
  EXPECT_EQ(parser.last_event_id(), "9");
}

TEST(SseParser, StopsWhenAsked) {
  SseParser parser;
  int seen = 0;
  Status s = parser.Feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) {
    ++seen;
    return false;
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(seen, 1);
}

TEST(SseParser, RejectsOversizedLinesAndEvents) {
  SseParser parser(1024);
  Status line =
      parser.Feed("data: " + std::string(5000, 'x'), [](const SseEvent&) { return true; });
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.error().code, ErrorCode::kPayloadTooLarge);

  SseParser many_lines(1024);
  std::string event;
  for (int i = 0; i < 100; ++i) event += "data: 0123456789abcdef\n";
  Status s = many_lines.Feed(event, [](const SseEvent&) { return true; });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(SseParser, IgnoresGarbageFieldsAndCommentsWithoutData) {
  SseParser parser;
  auto events = FeedAll(parser, {"retry: 10\nbogus\n:comment\n\n\n\nevent: x\n\n"});
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace ferry::cli
