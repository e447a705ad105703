// The S3 sandbox's --data DIR storage: restarts, crash leftovers, corrupt state, hostile keys.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sandbox/s3/s3_service.h"
#include "sandbox/s3_test_util.h"
#include "support/temp_dir.h"

namespace ferry::sandbox::s3 {
namespace {

namespace fs = std::filesystem;
using testing::HeaderOf;
using testing::MakeRequest;
using testing::TestCaller;

class S3PersistenceTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_ / "s3"); }

  std::unique_ptr<S3Service> Open() {
    S3Options options;
    options.data_dir = dir_ / "s3";
    auto s3 = S3Service::Create(options, clock_, ids_);
    EXPECT_TRUE(s3.ok()) << s3.error().ToString();
    return s3.ok() ? std::move(s3).value() : nullptr;
  }

  test::TempDir temp_;
  const fs::path dir_ = temp_.path();
  FakeClock clock_;
  RandomIdGenerator ids_{clock_};
};

TEST_F(S3PersistenceTest, StateSurvivesARestart) {
  std::string v1;
  {
    auto s3 = Open();
    ASSERT_EQ(s3->Handle(MakeRequest("PUT", "/keep"), TestCaller()).status, 200);
    std::string enable =
        "<VersioningConfiguration><Status>Enabled</Status>"
        "</VersioningConfiguration>";
    ASSERT_EQ(
        s3->Handle(MakeRequest("PUT", "/keep", {{"versioning", ""}}, {}, enable), TestCaller())
            .status,
        200);
    auto put = s3->Handle(MakeRequest("PUT", "/keep/doc", {}, {{"x-amz-meta-k", "v"}}, "one"),
                          TestCaller());
    v1 = HeaderOf(put, "x-amz-version-id");
    s3->Handle(MakeRequest("PUT", "/keep/doc", {}, {}, "two"), TestCaller());
  }
  auto s3 = Open();
  auto latest = s3->Handle(MakeRequest("GET", "/keep/doc"), TestCaller());
  EXPECT_EQ(latest.body, "two");
  auto old = s3->Handle(MakeRequest("GET", "/keep/doc", {{"versionId", v1}}), TestCaller());
  EXPECT_EQ(old.body, "one");
  EXPECT_EQ(HeaderOf(old, "x-amz-meta-k"), "v");
}

TEST_F(S3PersistenceTest, OverwrittenAndDeletedBytesAreRemoved) {
  auto s3 = Open();
  s3->Handle(MakeRequest("PUT", "/tidy"), TestCaller());
  s3->Handle(MakeRequest("PUT", "/tidy/k", {}, {}, "one"), TestCaller());
  s3->Handle(MakeRequest("PUT", "/tidy/k", {}, {}, "two"), TestCaller());
  auto count = [&] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_ / "s3" / "blobs")) ++n;
    return n;
  };
  EXPECT_EQ(count(), 1u);
  s3->Handle(MakeRequest("DELETE", "/tidy/k"), TestCaller());
  EXPECT_EQ(count(), 0u);
}

TEST_F(S3PersistenceTest, KeysNeverBecomePaths) {
  auto s3 = Open();
  s3->Handle(MakeRequest("PUT", "/jail"), TestCaller());
  for (std::string raw : {"/jail/../../escape", "/jail/%2E%2E%2F%2E%2E%2Fescape2",
                          "/jail/..%2F..%2F..%2Ftmp%2Fescape3", "/jail//abs/path"}) {
    ASSERT_EQ(s3->Handle(MakeRequest("PUT", raw, {}, {}, "x"), TestCaller()).status, 200) << raw;
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find("escape"), std::string::npos) << entry.path();
    EXPECT_TRUE(entry.path().string().starts_with(dir_.string()));
  }
  EXPECT_FALSE(fs::exists(dir_ / "escape"));
  EXPECT_FALSE(fs::exists(fs::temp_directory_path() / "escape3"));
}

TEST_F(S3PersistenceTest, RefusesACorruptIndex) {
  {
    std::ofstream out(dir_ / "s3" / "index.json");
    out << "{\"format\": 1, \"buckets\": [ {\"name\": ";
  }
  S3Options options;
  options.data_dir = dir_ / "s3";
  auto s3 = S3Service::Create(options, clock_, ids_);
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.error().message.find("index.json"), std::string::npos) << s3.error().ToString();

  {
    std::ofstream out(dir_ / "s3" / "index.json", std::ios::trunc);
    out << R"({"format": 1, "buckets": [{"name": "b", "owner": "0", "region": "us-east-1",
             "created": 0, "versioning": "", "objects": [{"key": "k", "versions": [
             {"id": "null", "marker": false, "modified": 0, "size": 1, "etag": "\"x\"",
              "type": "t", "headers": {}, "meta": {}, "checksum_algorithm": "",
              "checksum": "", "blob": "../../etc/passwd"}]}]}]})";
  }
  auto hostile = S3Service::Create(options, clock_, ids_);
  ASSERT_FALSE(hostile.ok());
  EXPECT_NE(hostile.error().message.find("corrupt"), std::string::npos);
}

TEST_F(S3PersistenceTest, RemovesBlobsLeftByACrashedPut) {
  fs::create_directories(dir_ / "s3" / "blobs");
  { std::ofstream(dir_ / "s3" / "blobs" / "ORPHAN") << "half"; }
  auto s3 = Open();
  EXPECT_FALSE(fs::exists(dir_ / "s3" / "blobs" / "ORPHAN"));
}

}  // namespace
}  // namespace ferry::sandbox::s3
