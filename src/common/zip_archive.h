// Zip archives in memory, over libzip, which is included only in zip_archive.cc.
//
// ZipReader reads an archive held in a caller's buffer: the entries' names and attributes, and
// each entry's content streamed in pieces so that the caller bounds what it accepts by the bytes
// actually inflated (an archive's claimed sizes may lie). It never touches the file system; safe
// extraction (paths, symlinks, limits) is the caller's policy. WriteZip builds an archive whose
// bytes depend only on its input (fixed timestamps and attributes), so equal input gives an equal
// CodeSha256.
//
// Errors: kInvalidArgument for bytes that are not a readable zip archive or an entry that is
// corrupt (bad compressed data, CRC mismatch); kInternal when libzip fails for lack of memory.
//
// Thread-safety: a ZipReader belongs to one thread; the functions are thread-safe.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferry {

struct ZipEntryInfo {
  std::string name;           // as stored; UTF-8 (legacy CP437 names converted)
  bool is_directory = false;  // the name ends in '/'
  uint32_t unix_mode = 0;     // st_mode bits when the archive was made on Unix, else 0
  bool size_known = false;    // the archive records the uncompressed size
  uint64_t claimed_size = 0;  // that size, as the archive claims it (not verified)

  bool IsSymlink() const { return (unix_mode & 0170000) == 0120000; }
  bool IsExecutable() const { return (unix_mode & 0111) != 0; }
};

struct ZipReadOptions {
  // Also check the archive's structure as a whole when opening (libzip's consistency check: the
  // central directory agrees with the local headers), as Lambda does before accepting a package.
  bool check_consistency = false;
};

class ZipReader {
 public:
  // bytes must outlive the reader. kInvalidArgument when they are not a zip archive; empty bytes
  // are an empty archive (libzip's reading; callers that need entries check EntryCount).
  static Result<std::unique_ptr<ZipReader>> Open(std::string_view bytes,
                                                 const ZipReadOptions& options = {});
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  size_t EntryCount() const;
  // kInvalidArgument when the entry's directory record cannot be read; index < EntryCount().
  Result<ZipEntryInfo> Entry(size_t index) const;
  // Inflates the entry, passing its content to sink piece by piece (at most 64 KiB each). Stops
  // at the first error sink returns and returns it; kInvalidArgument when the entry is corrupt.
  using Sink = std::function<Status(std::string_view piece)>;
  Status Read(size_t index, const Sink& sink) const;

 private:
  struct Impl;
  explicit ZipReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct ZipFileToWrite {
  std::string name;  // a relative path with '/' separators, stored as UTF-8
  std::string content;
  uint32_t unix_mode = 0100644;  // a regular file, rw-r--r--
};

struct ZipWriteOptions {
  // Every entry's modification time; fixed so that the archive depends on content only.
  std::time_t mtime = 1577836800;  // 2020-01-01T00:00:00Z
  int deflate_level = 9;           // 1 (fastest) to 9 (smallest)
};

// An archive holding files in the given order, each deflated. kInvalidArgument when a name is
// empty or repeated.
Result<std::string> WriteZip(const std::vector<ZipFileToWrite>& files,
                             const ZipWriteOptions& options = {});

}  // namespace ferry
