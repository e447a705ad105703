// The new-artifact poller's diff: baseline, incremental listing (StartAfter), the periodic full
// listing that finds keys sorting before the last seen one and overwritten keys, selection by
// prefix + filter or key pattern, and cursors that survive garbage.
#include "triggers/artifact_poll.h"

#include <gmock/gmock.h>

#include "triggers/fake_bucket.h"

namespace ferry::triggers {
namespace {

using ::testing::ElementsAre;
using testing::FakeBucket;
using ::testing::IsEmpty;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

ObjectSelection PrefixFilter() {
  model::ArtifactSource source;
  source.cloud_provider = "aws";
  source.s3 =
      model::S3ArtifactSource{.bucket = "artifacts", .prefix = "api/", .filter = "api-(.+)\\.zip"};
  return SelectionOf(source).value();
}

std::vector<std::string> Keys(const PollResult& r) {
  std::vector<std::string> out;
  for (const auto& n : r.found) out.push_back(n.object.key);
  return out;
}

TEST(ArtifactPollTest, TheFirstPollIsABaselineAndStartsNothing) {
  FakeBucket bucket;
  bucket.Put("api/api-1.zip", "e1", kT0);
  bucket.Put("api/api-2.zip", "e2", kT0 + std::chrono::hours(1));
  auto r = PollArtifacts(bucket, PrefixFilter(), PollCursor{});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_THAT(r->found, IsEmpty());
  EXPECT_TRUE(r->full);
  // Only the objects near the newest are remembered; older ones are older than any watermark.
  EXPECT_THAT(r->baseline_keys, ElementsAre("object:artifacts/api/api-2.zip#e2"));
  EXPECT_TRUE(r->cursor.baselined);
  EXPECT_EQ(r->cursor.last_key, "api/api-2.zip");
}

TEST(ArtifactPollTest, LaterPollsListOnlyAfterTheLastKey) {
  FakeBucket bucket;
  bucket.Put("api/api-1.zip", "e1", kT0);
  auto first = PollArtifacts(bucket, PrefixFilter(), PollCursor{}).value();
  bucket.Put("api/api-2.zip", "e2", kT0 + std::chrono::minutes(1));
  bucket.Put("api/readme.txt", "e3", kT0 + std::chrono::minutes(1));  // not an artifact
  auto second = PollArtifacts(bucket, PrefixFilter(), first.cursor).value();
  EXPECT_FALSE(second.full);
  EXPECT_EQ(bucket.last().start_after, "api/api-1.zip");
  EXPECT_EQ(bucket.last().prefix, "api/");
  ASSERT_THAT(Keys(second), ElementsAre("api/api-2.zip"));
  EXPECT_EQ(second.found[0].version, "2");  // the filter's group
  EXPECT_EQ(second.found[0].fire_key, "object:artifacts/api/api-2.zip#e2");
  EXPECT_EQ(second.cursor.last_key, "api/readme.txt");  // every listed key moves the point
  auto third = PollArtifacts(bucket, PrefixFilter(), second.cursor).value();
  EXPECT_THAT(third.found, IsEmpty());
  EXPECT_EQ(third.calls, 1);
}

TEST(ArtifactPollTest, TenThousandKeysCostOneCallPerPollAfterTheFirst) {
  FakeBucket bucket;
  for (int i = 0; i < 10'000; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "api/api-%05d.zip", i);
    bucket.Put(key, "e" + std::to_string(i), kT0);
  }
  auto first = PollArtifacts(bucket, PrefixFilter(), PollCursor{}).value();
  EXPECT_EQ(first.calls, 10);
  PollCursor cursor = first.cursor;
  int incremental_calls = 0;
  for (int poll = 0; poll < 9; ++poll) {
    auto r = PollArtifacts(bucket, PrefixFilter(), cursor).value();
    EXPECT_FALSE(r.full);
    incremental_calls += r.calls;
    cursor = r.cursor;
  }
  EXPECT_EQ(incremental_calls, 9);
  auto full = PollArtifacts(bucket, PrefixFilter(), cursor).value();  // the 10th poll
  EXPECT_TRUE(full.full);
  EXPECT_EQ(full.calls, 10);
  // A full listing offers again what was modified within the margin of the watermark (here all
  // of them: they share one time); the store's claims refuse those already seen.
  EXPECT_EQ(full.found.size(), 10'000u);
}

TEST(ArtifactPollTest, AKeySortingBeforeTheLastKeyIsFoundByTheFullListing) {
  FakeBucket bucket;
  bucket.Put("api/api-9.zip", "e9", kT0);
  PollOptions options;
  options.full_every = 3;
  options.margin = std::chrono::minutes(15);
  auto r = PollArtifacts(bucket, PrefixFilter(), PollCursor{}, options).value();
  // "api-10.zip" < "api-9.zip": StartAfter cannot see it.
  bucket.Put("api/api-10.zip", "e10", kT0 + std::chrono::hours(2));
  for (int poll = 0; poll < 2; ++poll) {
    r = PollArtifacts(bucket, PrefixFilter(), r.cursor, options).value();
    EXPECT_FALSE(r.full);
    EXPECT_THAT(r.found, IsEmpty());
  }
  r = PollArtifacts(bucket, PrefixFilter(), r.cursor, options).value();  // every 3rd poll
  EXPECT_TRUE(r.full);
  // api-9.zip is offered again (modified within the margin of the watermark): the store's
  // claim on its fire key refuses it (trigger_engine_test.cc).
  EXPECT_THAT(Keys(r), ElementsAre("api/api-10.zip", "api/api-9.zip"));
  EXPECT_EQ(r.found[0].version, "10");
  // An overwritten key (same key, new ETag) is found the same way; old objects are not offered.
  bucket.Put("api/api-10.zip", "e10b", kT0 + std::chrono::hours(5));
  r = PollArtifacts(bucket, PrefixFilter(), r.cursor, options).value();
  r = PollArtifacts(bucket, PrefixFilter(), r.cursor, options).value();
  r = PollArtifacts(bucket, PrefixFilter(), r.cursor, options).value();
  EXPECT_TRUE(r.full);
  ASSERT_THAT(Keys(r), ElementsAre("api/api-10.zip"));  // api-9.zip is now too old
  EXPECT_EQ(r.found[0].fire_key, "object:artifacts/api/api-10.zip#e10b");
}

TEST(ArtifactPollTest, AChangedSourceStartsOverWithABaseline) {
  FakeBucket bucket;
  bucket.Put("api/api-1.zip", "e1", kT0);
  auto r = PollArtifacts(bucket, PrefixFilter(), PollCursor{}).value();
  ObjectSelection other = PrefixFilter();
  other.filter = "api-(\\d+)\\.zip";
  bucket.Put("api/api-2.zip", "e2", kT0);
  r = PollArtifacts(bucket, other, r.cursor).value();
  EXPECT_THAT(r.found, IsEmpty());
  EXPECT_FALSE(r.baseline_keys.empty());
}

TEST(ArtifactPollTest, KeyPatternsSelectByGlobAndListTheirLiteralPrefix) {
  model::ArtifactSource source;
  source.s3 = model::S3ArtifactSource{.bucket = "b", .key_pattern = "builds/*/orders-?.zip"};
  auto selection = SelectionOf(source);
  ASSERT_TRUE(selection.ok());
  EXPECT_EQ(selection->list_prefix, "builds/");
  std::string version;
  EXPECT_TRUE(Selects(*selection, "builds/main/orders-7.zip", &version));
  EXPECT_FALSE(Selects(*selection, "builds/main/orders-17.zip", &version));
  EXPECT_FALSE(Selects(*selection, "other/orders-7.zip", &version));
}

TEST(ArtifactPollTest, SourcesThatCannotBePolledSaySo) {
  model::ArtifactSource fixed;
  fixed.s3 = model::S3ArtifactSource{.bucket = "b", .key = "k.zip"};
  EXPECT_EQ(SelectionOf(fixed).error().code, ErrorCode::kUnimplemented);
  model::ArtifactSource http;
  http.http = model::HttpArtifactSource{"https://x/y.zip", std::nullopt};
  EXPECT_EQ(SelectionOf(http).error().code, ErrorCode::kUnimplemented);
  model::ArtifactSource bad;
  bad.s3 = model::S3ArtifactSource{.bucket = "b", .prefix = "p/", .filter = "(("};
  EXPECT_EQ(SelectionOf(bad).error().code, ErrorCode::kInvalidArgument);
}

TEST(ArtifactPollTest, ListingFailuresAndLoopsAreErrorsThatMoveNothing) {
  FakeBucket bucket;
  bucket.set_fail(true);
  EXPECT_EQ(PollArtifacts(bucket, PrefixFilter(), PollCursor{}).error().code,
            ErrorCode::kUnavailable);
  bucket.set_fail(false);
  bucket.set_page_size(1);
  for (int i = 0; i < 5; ++i) bucket.Put("api/api-" + std::to_string(i) + ".zip", "e", kT0);
  PollOptions options;
  options.max_calls = 3;
  EXPECT_EQ(PollArtifacts(bucket, PrefixFilter(), PollCursor{}, options).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST(ArtifactPollTest, CursorsRoundTripAndGarbageIsAFreshStart) {
  PollCursor c{.fingerprint = "f",
               .baselined = true,
               .last_key = "api/x",
               .watermark = kT0,
               .polls_since_full = 4};
  PollCursor back = DecodeCursor(EncodeCursor(c));
  EXPECT_EQ(back.fingerprint, "f");
  EXPECT_TRUE(back.baselined);
  EXPECT_EQ(back.last_key, "api/x");
  EXPECT_EQ(back.watermark, kT0);
  EXPECT_EQ(back.polls_since_full, 4);
  for (const char* garbage : {"", "[]", "{", R"({"lastKey": 5, "baselined": "yes"})", "null"}) {
    PollCursor g = DecodeCursor(garbage);
    EXPECT_FALSE(g.baselined) << garbage;
    EXPECT_EQ(g.last_key, "") << garbage;
  }
}

}  // namespace
}  // namespace ferry::triggers
