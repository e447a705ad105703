#include "sandbox/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/json.h"

namespace ferry::sandbox {
namespace {

Error IoError(const std::string& what, const std::filesystem::path& path) {
  return Unavailable(what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Status WriteFileAtomically(const std::filesystem::path& path, const std::string& bytes) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Unavailable("cannot create " + path.parent_path().string() + ": " + ec.message());
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error err = IoError("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error err = IoError("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error err = IoError("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return err;
  }
  return Ok();
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return NotFound(path.string() + " does not exist");
    return IoError("cannot read", path);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Result<std::optional<Json>> SnapshotFile::Load() const {
  auto bytes = ReadWholeFile(path_);
  if (!bytes.ok()) {
    if (bytes.error().code == ErrorCode::kNotFound) return std::optional<Json>();
    return bytes.error();
  }
  JsonLimits limits;
  limits.max_bytes = 1024u * 1024u * 1024u;
  auto parsed = ParseJson(*bytes, limits);
  if (!parsed.ok() || !parsed->is_object()) {
    return InvalidArgument(
        "sandbox snapshot " + path_.string() + " is corrupt (" +
        (parsed.ok() ? std::string("not a JSON object") : parsed.error().message) +
        "); fix or remove it, the sandbox will not start over it");
  }
  return std::optional<Json>(std::move(parsed).value());
}

Status SnapshotFile::Save(const Json& state) const {
  return WriteFileAtomically(path_, DumpJson(state));
}

}  // namespace ferry::sandbox
