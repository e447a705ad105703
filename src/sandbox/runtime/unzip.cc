#include "sandbox/runtime/unzip.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"
#include "common/zip_archive.h"

namespace ferry::sandbox::runtime {
namespace {

// A relative path of plain components, or nullopt.
std::optional<std::filesystem::path> SafeRelative(const std::string& name) {
  if (name.empty() || name[0] == '/' || name.find('\\') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  std::filesystem::path out;
  for (const std::string& part : Split(name, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return std::nullopt;
    out /= part;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// Writes entry index of the archive to a new file at path (never following a symlink there),
// adding what it inflates to total and stopping once that passes the limit.
Status WriteEntry(const ZipReader& archive, size_t index, const std::string& name,
                  const std::filesystem::path& path, bool executable, uint64_t& total,
                  const UnzipLimits& limits) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  executable ? 0755 : 0644);
  if (fd < 0) {
    if (errno == EEXIST) {
      return InvalidArgument("the package repeats the entry " + QuoteForMessage(name));
    }
    return Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  Status written = Ok();  // the first failure to accept or write a piece
  Status read = archive.Read(index, [&](std::string_view piece) -> Status {
    total += piece.size();
    if (total > limits.max_total_bytes) {
      written = InvalidArgument("the package expands past " +
                                std::to_string(limits.max_total_bytes) + " bytes");
    } else if (::write(fd, piece.data(), piece.size()) != static_cast<ssize_t>(piece.size())) {
      written = Unavailable("cannot write " + path.string() + ": " + std::strerror(errno));
    }
    return written;
  });
  ::close(fd);
  if (!written.ok()) return written;
  if (!read.ok())
    return InvalidArgument("the package entry " + QuoteForMessage(name) + " is corrupt");
  return Ok();
}

Status Extract(const ZipReader& archive, const std::filesystem::path& root,
               const UnzipLimits& limits) {
  const size_t entries = archive.EntryCount();
  if (entries > limits.max_entries) {
    return InvalidArgument("the package has more than " + std::to_string(limits.max_entries) +
                           " entries");
  }
  uint64_t total = 0;
  for (size_t i = 0; i < entries; ++i) {
    auto entry = archive.Entry(i);
    if (!entry.ok()) return InvalidArgument("the package has an unreadable entry name");
    const std::string& name = entry->name;
    bool is_dir = entry->is_directory;
    if (is_dir && SafeRelative(name) == std::nullopt && name != "/" && name != "./") {
      return InvalidArgument("the package has an unsafe path " + QuoteForMessage(name));
    }
    auto relative = SafeRelative(name);
    if (!relative) {
      if (is_dir) continue;
      return InvalidArgument("the package has an unsafe path " + QuoteForMessage(name));
    }
    std::filesystem::path path = root / *relative;
    std::error_code ec;
    if (is_dir) {
      std::filesystem::create_directories(path, ec);
      if (ec) return Unavailable("cannot create " + path.string() + ": " + ec.message());
      continue;
    }
    if (entry->IsSymlink()) continue;  // never create symlinks from an archive
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
    FERRY_RETURN_IF_ERROR(WriteEntry(archive, i, name, path, entry->IsExecutable(), total, limits));
  }
  return Ok();
}

}  // namespace

Status ExtractZip(const std::string& zip_bytes, const std::filesystem::path& target,
                  const UnzipLimits& limits) {
  auto archive = ZipReader::Open(zip_bytes);
  if (!archive.ok()) return InvalidArgument("the package is not a zip file");
  std::filesystem::path staging = target;
  staging += ".partial." + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  std::filesystem::create_directories(staging, ec);
  if (ec) return Unavailable("cannot create " + staging.string() + ": " + ec.message());
  Status extracted = Extract(**archive, staging, limits);
  if (!extracted.ok()) {
    std::filesystem::remove_all(staging, ec);
    return extracted;
  }
  std::filesystem::rename(staging, target, ec);
  if (ec) {
    std::filesystem::remove_all(staging, ec);
    if (std::filesystem::exists(target)) return Ok();  // another thread won the race
    return Unavailable("cannot move code into " + target.string());
  }
  return Ok();
}

}  // namespace ferry::sandbox::runtime
