#include "common/zip_archive.h"

#include <zip.h>

#include <set>

#include "common/strings.h"

namespace ferry {
namespace {

struct ArchiveDiscard {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using Archive = std::unique_ptr<zip_t, ArchiveDiscard>;

struct FileClose {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

struct SourceFree {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};
using Source = std::unique_ptr<zip_source_t, SourceFree>;

// A zip_error_t released on every path.
class ZipError {
 public:
  ZipError() { zip_error_init(&error_); }
  ~ZipError() { zip_error_fini(&error_); }
  ZipError(const ZipError&) = delete;
  ZipError& operator=(const ZipError&) = delete;
  zip_error_t* get() { return &error_; }
  std::string Message() { return zip_error_strerror(&error_); }

 private:
  zip_error_t error_;
};

}  // namespace

struct ZipReader::Impl {
  Archive archive;
};

ZipReader::ZipReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ZipReader::~ZipReader() = default;

Result<std::unique_ptr<ZipReader>> ZipReader::Open(std::string_view bytes,
                                                   const ZipReadOptions& options) {
  ZipError error;
  Source source(zip_source_buffer_create(bytes.data(), bytes.size(), 0, error.get()));
  if (!source) return Internal("libzip cannot read a buffer: " + error.Message());
  const int flags = ZIP_RDONLY | (options.check_consistency ? ZIP_CHECKCONS : 0);
  Archive archive(zip_open_from_source(source.get(), flags, error.get()));
  if (!archive) return InvalidArgument("not a zip archive: " + error.Message());
  source.release();  // the archive owns it now
  auto impl = std::make_unique<Impl>();
  impl->archive = std::move(archive);
  return std::unique_ptr<ZipReader>(new ZipReader(std::move(impl)));
}

size_t ZipReader::EntryCount() const {
  const zip_int64_t n = zip_get_num_entries(impl_->archive.get(), 0);
  return n < 0 ? 0 : static_cast<size_t>(n);
}

Result<ZipEntryInfo> ZipReader::Entry(size_t index) const {
  zip_t* archive = impl_->archive.get();
  const auto i = static_cast<zip_uint64_t>(index);
  zip_stat_t st;
  zip_stat_init(&st);
  // Flags 0: the name's encoding is guessed, and CP437 names come back as UTF-8.
  if (zip_stat_index(archive, i, 0, &st) != 0 || (st.valid & ZIP_STAT_NAME) == 0 ||
      st.name == nullptr) {
    return InvalidArgument("zip entry " + std::to_string(index) + " cannot be read");
  }
  ZipEntryInfo info;
  info.name = st.name;
  info.is_directory = !info.name.empty() && info.name.back() == '/';
  info.size_known = (st.valid & ZIP_STAT_SIZE) != 0;
  info.claimed_size = info.size_known ? st.size : 0;
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, i, 0, &opsys, &attributes) == 0 &&
      opsys == ZIP_OPSYS_UNIX) {
    info.unix_mode = attributes >> 16;
  }
  return info;
}

Status ZipReader::Read(size_t index, const Sink& sink) const {
  std::unique_ptr<zip_file_t, FileClose> file(
      zip_fopen_index(impl_->archive.get(), static_cast<zip_uint64_t>(index), 0));
  if (!file) return InvalidArgument("zip entry " + std::to_string(index) + " is corrupt");
  std::string buffer(64 * 1024, '\0');
  while (true) {
    // zip_fread checks the CRC once the entry is read to its end, and fails on a mismatch.
    const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
    if (n < 0) return InvalidArgument("zip entry " + std::to_string(index) + " is corrupt");
    if (n == 0) return Ok();
    FERRY_RETURN_IF_ERROR(sink(std::string_view(buffer.data(), static_cast<size_t>(n))));
  }
}

Result<std::string> WriteZip(const std::vector<ZipFileToWrite>& files,
                             const ZipWriteOptions& options) {
  std::set<std::string_view> names;
  for (const ZipFileToWrite& file : files) {
    if (file.name.empty()) return InvalidArgument("a zip entry needs a name");
    if (!names.insert(file.name).second) {
      return InvalidArgument("the zip entry " + QuoteForMessage(file.name) + " is repeated");
    }
  }
  if (files.empty()) {
    // libzip writes nothing for an archive without entries; this is its end record alone.
    return std::string("PK\x05\x06", 4) + std::string(18, '\0');
  }
  ZipError error;
  Source buffer(zip_source_buffer_create(nullptr, 0, 0, error.get()));
  if (!buffer) return Internal("libzip cannot create a buffer: " + error.Message());
  Archive archive(zip_open_from_source(buffer.get(), ZIP_TRUNCATE, error.get()));
  if (!archive) return Internal("libzip cannot create an archive: " + error.Message());
  // The archive holds the buffer now and frees it when closed; a reference of our own keeps it
  // for reading the bytes back.
  zip_source_keep(buffer.get());
  auto failed = [&](const std::string& what) {
    return Internal("libzip cannot write " + QuoteForMessage(what) + ": " +
                    zip_strerror(archive.get()));
  };
  for (const ZipFileToWrite& file : files) {
    // The content is read at zip_close, while files is still alive.
    zip_source_t* content =
        zip_source_buffer(archive.get(), file.content.data(), file.content.size(), 0);
    if (content == nullptr) return failed(file.name);
    const zip_int64_t index =
        zip_file_add(archive.get(), file.name.c_str(), content, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(content);
      return failed(file.name);
    }
    const auto i = static_cast<zip_uint64_t>(index);
    if (zip_file_set_mtime(archive.get(), i, options.mtime, 0) != 0 ||
        zip_file_set_external_attributes(archive.get(), i, 0, ZIP_OPSYS_UNIX,
                                         file.unix_mode << 16) != 0 ||
        zip_set_file_compression(archive.get(), i, ZIP_CM_DEFLATE,
                                 static_cast<zip_uint32_t>(options.deflate_level)) != 0) {
      return failed(file.name);
    }
  }
  if (zip_close(archive.get()) != 0) return failed("the archive");
  archive.release();  // zip_close freed it
  if (zip_source_open(buffer.get()) != 0) return Internal("libzip cannot read the archive back");
  std::string bytes;
  char chunk[8192];
  zip_int64_t n;
  while ((n = zip_source_read(buffer.get(), chunk, sizeof chunk)) > 0) {
    bytes.append(chunk, static_cast<size_t>(n));
  }
  zip_source_close(buffer.get());
  if (n < 0) return Internal("libzip cannot read the archive back");
  return bytes;
}

}  // namespace ferry
