#include "sandbox/runtime/unzip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/strings.h"

namespace ferry::sandbox::runtime {
namespace {

struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

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

Status Extract(zip_t* archive, const std::filesystem::path& root, const UnzipLimits& limits) {
  zip_int64_t entries = zip_get_num_entries(archive, 0);
  if (entries < 0 || static_cast<uint64_t>(entries) > limits.max_entries) {
    return InvalidArgument("the package has more than " + std::to_string(limits.max_entries) +
                           " entries");
  }
  uint64_t total = 0;
  std::vector<char> buffer(64 * 1024);
  for (zip_int64_t i = 0; i < entries; ++i) {
    const char* raw_name = zip_get_name(archive, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_GUESS);
    if (raw_name == nullptr) return InvalidArgument("the package has an unreadable entry name");
    std::string name = raw_name;
    bool is_dir = !name.empty() && name.back() == '/';
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
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    zip_file_get_external_attributes(archive, static_cast<zip_uint64_t>(i), 0, &opsys, &attributes);
    mode_t unix_mode = opsys == ZIP_OPSYS_UNIX ? static_cast<mode_t>(attributes >> 16) : 0;
    if (S_ISLNK(unix_mode)) continue;  // never create symlinks from an archive
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
    std::unique_ptr<zip_file_t, FileCloser> file(
        zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0));
    if (!file) return InvalidArgument("the package entry " + QuoteForMessage(name) + " is corrupt");
    mode_t mode = (unix_mode & 0111) != 0 ? 0755 : 0644;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
      if (errno == EEXIST) {
        return InvalidArgument("the package repeats the entry " + QuoteForMessage(name));
      }
      return Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    Status status = Ok();
    while (true) {
      zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) {
        status = InvalidArgument("the package entry " + QuoteForMessage(name) + " is corrupt");
        break;
      }
      if (n == 0) break;
      total += static_cast<uint64_t>(n);
      if (total > limits.max_total_bytes) {
        status = InvalidArgument("the package expands past " +
                                 std::to_string(limits.max_total_bytes) + " bytes");
        break;
      }
      if (::write(fd, buffer.data(), static_cast<size_t>(n)) != n) {
        status = Unavailable("cannot write " + path.string() + ": " + std::strerror(errno));
        break;
      }
    }
    ::close(fd);
    FERRY_RETURN_IF_ERROR(status);
  }
  return Ok();
}

}  // namespace

Status ExtractZip(const std::string& zip_bytes, const std::filesystem::path& target,
                  const UnzipLimits& limits) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(zip_bytes.data(), zip_bytes.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return InvalidArgument("the package is not a zip file");
  }
  std::unique_ptr<zip_t, ArchiveCloser> archive(zip_open_from_source(source, ZIP_RDONLY, &error));
  zip_error_fini(&error);
  if (!archive) {
    zip_source_free(source);
    return InvalidArgument("the package is not a zip file");
  }
  std::filesystem::path staging = target;
  staging += ".partial." + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);
  std::filesystem::create_directories(staging, ec);
  if (ec) return Unavailable("cannot create " + staging.string() + ": " + ec.message());
  Status extracted = Extract(archive.get(), staging, limits);
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
