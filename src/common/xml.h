// XML reading and writing for the wire protocols that use it (S3's rest-xml, the query protocol of
// STS and CloudWatch). pugixml is included only in xml.cc.
//
// Reading: XmlDocument::Parse builds a read-only tree that XmlElement views navigate. Input is
// UTF-8. Entities other than the five predefined ones and character references are never
// expanded (a DOCTYPE's declarations are skipped, never applied), so entity bombs and external
// entities are inert; parsing is not recursive, so deep nesting cannot exhaust the stack.
// Comments, processing instructions and whitespace-only text are dropped.
//
// Writing: XmlWriter appends escaped text and attributes to a string; it writes no declaration
// (the caller prepends the one its protocol uses).
//
// Thread-safety: a parsed document is immutable, so any number of threads may read it at once;
// an XmlWriter belongs to one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ferry {

// An element of an XmlDocument, or the empty element (a child that is not there). Every query of
// the empty element answers empty, so lookups chain: doc.Root().Child("A").ChildText("B").
// A view: valid only while its XmlDocument lives. Cheap to copy.
class XmlElement {
 public:
  XmlElement() = default;

  explicit operator bool() const { return node_ != nullptr; }
  std::string_view Name() const;
  // The element's text: its first text or CDATA child ("" when it has none), entities decoded.
  std::string_view Text() const;
  // The first child element called name, or the empty element.
  XmlElement Child(std::string_view name) const;
  // Child(name).Text().
  std::string_view ChildText(std::string_view name) const;
  // Every child element, in document order.
  std::vector<XmlElement> Children() const;
  // The child elements called name, in document order.
  std::vector<XmlElement> Children(std::string_view name) const;

 private:
  friend class XmlDocument;
  explicit XmlElement(void* node) : node_(node) {}
  void* node_ = nullptr;  // the parser's node, owned by the XmlDocument
};

class XmlDocument {
 public:
  // kInvalidArgument carrying the parser's description ("Error parsing start element tag", "No
  // document element found") when text is not well-formed XML with a root element.
  static Result<XmlDocument> Parse(std::string_view text);

  XmlDocument(XmlDocument&&) noexcept;
  XmlDocument& operator=(XmlDocument&&) noexcept;
  ~XmlDocument();

  // The document (root) element.
  XmlElement Root() const;
  // The root element when it is called name; the empty element otherwise.
  XmlElement Root(std::string_view name) const;

 private:
  struct Impl;
  explicit XmlDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds a document element by element. Names are written as given (the caller passes valid XML
// names); text and attribute values are escaped (& < > " and carriage returns).
class XmlWriter {
 public:
  using Attributes = std::vector<std::pair<std::string_view, std::string_view>>;

  // Opens an element; it stays open for children until Close.
  XmlWriter& Open(std::string_view name, const Attributes& attributes = {});
  // Closes the innermost open element (nothing when none is open).
  XmlWriter& Close();
  // A complete element holding text.
  XmlWriter& Element(std::string_view name, std::string_view text);
  // Closes every open element and returns the text written.
  std::string Finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace ferry
