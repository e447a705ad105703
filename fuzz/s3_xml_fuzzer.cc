// The sandbox S3's reading of request bodies: the XML documents of CompleteMultipartUpload,
// DeleteObjects, CreateBucket, versioning and tagging (s3::ParseRequestXml over common's XML
// reader), and the aws-chunked framing of streaming uploads (s3::DecodeAwsChunked).
// Invariants: a document that parses, written back with the writer S3's answers use, parses to
// the same fields; a chunked body that decodes has chunk sizes adding up to its data.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "fuzz_check.h"
#include "sandbox/s3/aws_chunked.h"
#include "sandbox/s3/s3_wire.h"

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// Text XML 1.0 can hold: the parser takes any bytes, the writer replaces the others with U+FFFD.
bool Writable(const Fields& fields) {
  for (const auto& [name, text] : fields) {
    if (!ferry::IsValidUtf8(text)) return false;
    for (char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    }
    if (text.find("\xEF\xBF\xBE") != std::string::npos ||
        text.find("\xEF\xBF\xBF") != std::string::npos) {
      return false;
    }
  }
  return true;
}

void WriteFields(ferry::sandbox::s3::XmlWriter& writer, const Fields& fields) {
  for (const auto& [name, text] : fields) writer.Element(name, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry::sandbox::s3;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto parsed = ParseRequestXml(body); parsed.ok()) {
    XmlWriter writer(parsed->root_name, false);
    WriteFields(writer, parsed->children);
    for (const Fields& object : parsed->objects) {
      writer.Open("Object");
      WriteFields(writer, object);
      writer.Close();
    }
    for (const Fields& part : parsed->parts) {
      writer.Open("Part");
      WriteFields(writer, part);
      writer.Close();
    }
    std::string written = writer.Finish();
    auto again = ParseRequestXml(written);
    if (!again.ok()) std::fprintf(stderr, "written:\n%s\n", written.c_str());
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(again->root_name == parsed->root_name);
    bool writable = Writable(parsed->children);
    for (const Fields& object : parsed->objects) writable = writable && Writable(object);
    for (const Fields& part : parsed->parts) writable = writable && Writable(part);
    if (writable) {
      FUZZ_CHECK(again->objects == parsed->objects);
      FUZZ_CHECK(again->parts == parsed->parts);
      // Children and objects interleave in the input; the writer puts children first.
      FUZZ_CHECK(again->children == parsed->children);
    }
  }

  if (auto chunked = DecodeAwsChunked(body); chunked.ok()) {
    size_t total = 0;
    for (size_t chunk : chunked->chunk_sizes) total += chunk;
    FUZZ_CHECK(total == chunked->data.size());
    FUZZ_CHECK(chunked->data.size() <= body.size());
    FUZZ_CHECK(!chunked->chunk_sizes.empty() && chunked->chunk_sizes.back() == 0);
  }
  return 0;
}
