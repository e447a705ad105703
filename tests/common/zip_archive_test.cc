// The zip adapter: what WriteZip writes reads back entry by entry, the same input gives the same
// bytes, and hostile or broken archives give errors (never a crash); a reader's sink bounds what
// an entry may inflate to, whatever the archive claims.
#include "common/zip_archive.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

std::string Zip(const std::vector<ZipFileToWrite>& files, const ZipWriteOptions& options = {}) {
  auto zip = WriteZip(files, options);
  EXPECT_TRUE(zip.ok()) << zip.error().message;
  return zip.ok() ? *zip : std::string();
}

std::string ReadAll(const ZipReader& reader, size_t index) {
  std::string out;
  Status read = reader.Read(index, [&](std::string_view piece) {
    EXPECT_LE(piece.size(), 64u * 1024u);
    out.append(piece);
    return Ok();
  });
  EXPECT_TRUE(read.ok()) << read.error().message;
  return out;
}

TEST(ZipArchiveTest, WritesAndReadsBack) {
  const std::string big(300'000, 'q');
  const std::string zip = Zip({{"app.py", "print(1)\n"},
                               {"bin/run", "#!/bin/sh\n", 0100755},
                               {"data/big.txt", big},
                               {"empty", ""},
                               {"link", "app.py", 0120777},
                               {"dir/", "", 040755}});
  auto reader = ZipReader::Open(zip);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  const ZipReader& r = **reader;
  ASSERT_EQ(r.EntryCount(), 6u);
  auto app = r.Entry(0);
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->name, "app.py");
  EXPECT_FALSE(app->is_directory);
  EXPECT_EQ(app->unix_mode, 0100644u);
  EXPECT_FALSE(app->IsExecutable());
  EXPECT_TRUE(app->size_known);
  EXPECT_EQ(app->claimed_size, 9u);
  EXPECT_EQ(ReadAll(r, 0), "print(1)\n");
  EXPECT_TRUE(r.Entry(1)->IsExecutable());
  EXPECT_EQ(ReadAll(r, 1), "#!/bin/sh\n");
  EXPECT_EQ(ReadAll(r, 2), big);
  EXPECT_EQ(ReadAll(r, 3), "");
  EXPECT_TRUE(r.Entry(4)->IsSymlink());
  EXPECT_FALSE(r.Entry(0)->IsSymlink());
  EXPECT_TRUE(r.Entry(5)->is_directory);
  // The consistency check accepts what WriteZip writes.
  EXPECT_TRUE(ZipReader::Open(zip, {.check_consistency = true}).ok());
}

TEST(ZipArchiveTest, TheSameInputGivesTheSameBytes) {
  const std::vector<ZipFileToWrite> files = {{"a.py", "x = 1\n"}, {"b/c.py", "y = 2\n"}};
  EXPECT_EQ(Zip(files), Zip(files));
  ZipWriteOptions later;
  later.mtime += 86400;
  EXPECT_NE(Zip(files), Zip(files, later));
}

TEST(ZipArchiveTest, BadNamesAreRefused) {
  EXPECT_EQ(WriteZip({{"", "x"}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(WriteZip({{"a", "x"}, {"a", "y"}}).error().code, ErrorCode::kInvalidArgument);
}

TEST(ZipArchiveTest, EmptyBytesAreAnEmptyArchive) {
  auto reader = ZipReader::Open("");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->EntryCount(), 0u);
  auto none = WriteZip({});
  ASSERT_TRUE(none.ok()) << none.error().message;
  reader = ZipReader::Open(*none, {.check_consistency = true});
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ((*reader)->EntryCount(), 0u);
}

TEST(ZipArchiveTest, NotAZipIsAnError) {
  const std::string zip = Zip({{"app.py", std::string(5000, 'a')}});
  for (const std::string& bad :
       {std::string("not a zip"), std::string("PK\x05\x06", 4), std::string(100'000, '\xff'),
        zip.substr(0, zip.size() / 2), zip.substr(0, zip.size() - 1), zip.substr(30)}) {
    auto reader = ZipReader::Open(bad);
    ASSERT_FALSE(reader.ok()) << bad.size();
    EXPECT_EQ(reader.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ZipArchiveTest, CorruptEntriesAreErrorsWhenRead) {
  const std::string content = "some content that deflate will compress: " + std::string(500, 'z');
  std::string zip = Zip({{"app.py", content}});
  // The deflated data follows the 30-byte local header, the name and the extra field.
  auto u16 = [&](size_t at) {
    return static_cast<size_t>(static_cast<unsigned char>(zip[at])) |
           static_cast<size_t>(static_cast<unsigned char>(zip[at + 1])) << 8;
  };
  const size_t data = 30 + u16(26) + u16(28);
  ASSERT_LT(data + 4, zip.size());
  std::string corrupt = zip;
  corrupt[data + 4] ^= 0x5a;
  auto reader = ZipReader::Open(corrupt);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  std::string out;
  Status read = (*reader)->Read(0, [&](std::string_view piece) {
    out.append(piece);
    return Ok();
  });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE((*reader)->Read(7, [](std::string_view) { return Ok(); }).ok());
  EXPECT_FALSE((*reader)->Entry(7).ok());
}

TEST(ZipArchiveTest, ASinkStopsABombEarly) {
  const std::string bomb = Zip({{"zeros", std::string(64u << 20, '\0')}});  // 64 MiB of zeros
  ASSERT_LT(bomb.size(), 256u * 1024u);
  auto reader = ZipReader::Open(bomb);
  ASSERT_TRUE(reader.ok());
  size_t seen = 0;
  Status read = (*reader)->Read(0, [&](std::string_view piece) -> Status {
    seen += piece.size();
    if (seen > (1u << 20)) return Error{ErrorCode::kPayloadTooLarge, "past 1 MiB", {}};
    return Ok();
  });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_LE(seen, (1u << 20) + 64u * 1024u);
}

}  // namespace
}  // namespace ferry
