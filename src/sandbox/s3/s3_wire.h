// Wire-format helpers for the S3 sandbox: XML documents, S3's date formats, URL encoding and
// percent-decoding of paths. Internal to src/sandbox/s3. Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/xml.h"

namespace ferry::sandbox::s3 {

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// S3's documents, over common's XmlWriter: the XML declaration S3 writes, then the root element
// (with S3's xmlns when with_namespace). Text is escaped.
class XmlWriter {
 public:
  explicit XmlWriter(std::string_view root, bool with_namespace = true);
  XmlWriter& Open(std::string_view name);
  XmlWriter& Close();
  XmlWriter& Element(std::string_view name, std::string_view text);
  // Closes every open element and returns the document.
  std::string Finish();

 private:
  ferry::XmlWriter writer_;
};

// "Wed, 21 Oct 2015 07:28:00 GMT"
std::string FormatHttpDate(TimePoint t);
std::optional<TimePoint> ParseHttpDate(std::string_view text);
// "2015-10-21T07:28:00.000Z"
std::string FormatIsoDate(TimePoint t);

// Percent-decodes without turning '+' into a space (paths); kInvalidArgument on a bad escape.
Result<std::string> PercentDecode(std::string_view text);
// Encodes everything but unreserved characters and '/', as S3 does for encoding-type=url.
std::string UrlEncodeKey(std::string_view text);

// The text of child `name` of the root element of an XML document, for the small request
// documents S3 takes (CreateBucketConfiguration, VersioningConfiguration).
struct ParsedXml {
  std::string root_name;
  std::vector<std::pair<std::string, std::string>> children;  // direct children: name, text
  // For <Delete>: each <Object>'s children; for <CompleteMultipartUpload>: each <Part>'s.
  std::vector<std::vector<std::pair<std::string, std::string>>> objects;
  std::vector<std::vector<std::pair<std::string, std::string>>> parts;
};
// kInvalidArgument (S3's MalformedXML) for anything that is not well-formed XML.
Result<ParsedXml> ParseRequestXml(std::string_view body);

}  // namespace ferry::sandbox::s3
