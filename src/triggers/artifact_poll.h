// New-artifact polling, the I/O behind ObjectLister so that the diff is unit-tested.
//
// Listing is incremental: S3 lists keys in lexical (UTF-8 byte) order, so after the first poll
// each poll asks ListObjectsV2 only for keys after the last key seen (StartAfter): a bucket of
// 10,000 keys costs one call per poll when nothing is new. Keys that sort before the last key
// seen (a build "api-10.zip" after "api-9.zip", a release branch's prefix) and objects
// overwritten under an existing key are not in that listing; every `full_every`-th poll (10 by
// default) lists the whole prefix and takes the objects last modified since the previous full
// listing's newest object (minus a 15-minute margin for S3's clock and slow uploads). So such
// an object is found within `full_every` poll intervals, and a full listing of 10,000 keys costs
// 10 calls. Both kinds of listing may see an object again: the fire key (bucket, key, ETag)
// is claimed in the store, so nothing starts twice.
//
// The first poll of a trigger (or after its source changed) records what exists as the baseline
// and starts nothing: turning a trigger on must not deploy every old build in the bucket.
// Pure apart from the lister; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "model/entities.h"

namespace ferry::triggers {

struct ListedObject {
  std::string key;
  std::string etag;  // as S3 sends it, quotes included
  TimePoint last_modified;
  int64_t size = 0;
};

struct ListRequest {
  std::string cloud_provider;  // the artifact source's (its endpoint, region)
  std::string region;          // the source's s3.region; "" = the cloud provider's
  std::string bucket;
  std::string prefix;
  std::string start_after;
  std::string continuation_token;
};

struct ListPage {
  std::vector<ListedObject> objects;  // in key order
  std::string next_token;             // "" when the listing is complete
};

// What the poller reads from S3. Thread-safe implementations.
class ObjectLister {
 public:
  virtual ~ObjectLister() = default;
  // One ListObjectsV2 call.
  virtual Result<ListPage> List(const ListRequest& request) = 0;
  // The object's CodeSha256 as Lambda reports it (base64 of the SHA-256 of the zip): the object
  // is read once per new artifact, because Ferry records every artifact with it (a deploy skips
  // the code update when it equals the function's). `request` names the place (provider,
  // region, bucket); kPayloadTooLarge over 256 MiB.
  virtual Result<std::string> CodeSha256(const ListRequest& request, const std::string& key,
                                         const std::string& etag) = 0;
};

// The objects of an artifact source that are artifacts.
struct ObjectSelection {
  std::string cloud_provider;
  std::string region;
  std::string bucket;
  std::string list_prefix;  // what to list: the prefix, or a key pattern's literal start
  std::optional<std::string> key_pattern;  // glob: `*` any run of characters, `?` one
  std::optional<std::string> prefix;
  std::optional<std::string> filter;  // regex on the key after the prefix; group 1 = version
};

// kUnimplemented for sources that cannot be polled yet (a fixed key's object versions, HTTP,
// local, ECR), kInvalidArgument for an unusable filter.
Result<ObjectSelection> SelectionOf(const model::ArtifactSource& source);
// Whether `key` is an artifact; `version` gets the filter's first group when it has one.
bool Selects(const ObjectSelection& selection, const std::string& key, std::string* version);
// Identifies the selection: a cursor for another selection starts over with a baseline.
std::string SelectionFingerprint(const ObjectSelection& selection);

// Where the poller is, kept in store::TriggerState::cursor_json.
struct PollCursor {
  std::string fingerprint;
  bool baselined = false;
  std::string last_key;
  std::optional<TimePoint> watermark;  // newest LastModified of the last full listing
  int polls_since_full = 0;
};
std::string EncodeCursor(const PollCursor& cursor);
// A cursor that does not decode is a fresh one (a baseline follows), never an error.
PollCursor DecodeCursor(const std::string& json);

struct NewObject {
  ListedObject object;
  std::string version;   // the filter's group, else the ETag without quotes
  std::string fire_key;  // "object:BUCKET/KEY#ETAG"
};

struct PollResult {
  std::vector<NewObject> found;            // to claim and start, oldest key first
  std::vector<std::string> baseline_keys;  // fire keys to record as seen (first poll)
  PollCursor cursor;                       // to save once the found objects are claimed
  int calls = 0;                           // ListObjectsV2 calls made
  bool full = false;                       // a full listing
};

struct PollOptions {
  int full_every = 10;
  Duration margin = std::chrono::minutes(15);
  int max_calls = 200;  // a listing over 200,000 keys is refused (kFailedPrecondition)
};

Result<PollResult> PollArtifacts(ObjectLister& lister, const ObjectSelection& selection,
                                 const PollCursor& cursor, const PollOptions& options = {});

std::string ObjectFireKey(const std::string& bucket, const ListedObject& object);

}  // namespace ferry::triggers
