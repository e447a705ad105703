#include "common/xml.h"

#include <pugixml.hpp>

#include "common/strings.h"

namespace ferry {
namespace {

pugi::xml_node Node(void* node) {
  return pugi::xml_node(static_cast<pugi::xml_node_struct*>(node));
}

bool NameIs(const pugi::xml_node& node, std::string_view name) {
  return node.type() == pugi::node_element && std::string_view(node.name()) == name;
}

}  // namespace

std::string_view XmlElement::Name() const { return Node(node_).name(); }

std::string_view XmlElement::Text() const { return Node(node_).child_value(); }

XmlElement XmlElement::Child(std::string_view name) const {
  for (pugi::xml_node child : Node(node_).children()) {
    if (NameIs(child, name)) return XmlElement(child.internal_object());
  }
  return XmlElement();
}

std::string_view XmlElement::ChildText(std::string_view name) const { return Child(name).Text(); }

std::vector<XmlElement> XmlElement::Children() const {
  std::vector<XmlElement> out;
  for (pugi::xml_node child : Node(node_).children()) {
    if (child.type() == pugi::node_element) out.push_back(XmlElement(child.internal_object()));
  }
  return out;
}

std::vector<XmlElement> XmlElement::Children(std::string_view name) const {
  std::vector<XmlElement> out;
  for (pugi::xml_node child : Node(node_).children()) {
    if (NameIs(child, name)) out.push_back(XmlElement(child.internal_object()));
  }
  return out;
}

struct XmlDocument::Impl {
  pugi::xml_document doc;
};

XmlDocument::XmlDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XmlDocument::XmlDocument(XmlDocument&&) noexcept = default;
XmlDocument& XmlDocument::operator=(XmlDocument&&) noexcept = default;
XmlDocument::~XmlDocument() = default;

Result<XmlDocument> XmlDocument::Parse(std::string_view text) {
  auto impl = std::make_unique<Impl>();
  // parse_default keeps DOCTYPE processing off: declarations are skipped, never applied.
  const pugi::xml_parse_result parsed =
      impl->doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return InvalidArgument(parsed.description());
  if (!impl->doc.document_element()) return InvalidArgument("No document element found");
  return XmlDocument(std::move(impl));
}

XmlElement XmlDocument::Root() const {
  return XmlElement(impl_->doc.document_element().internal_object());
}

XmlElement XmlDocument::Root(std::string_view name) const {
  XmlElement root = Root();
  return root.Name() == name ? root : XmlElement();
}

XmlWriter& XmlWriter::Open(std::string_view name, const Attributes& attributes) {
  out_ += '<';
  out_ += name;
  for (const auto& [attribute, value] : attributes) {
    out_ += ' ';
    out_ += attribute;
    out_ += "=\"";
    out_ += EscapeXml(value);
    out_ += '"';
  }
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

XmlWriter& XmlWriter::Close() {
  if (open_.empty()) return *this;
  out_ += "</" + open_.back() + ">";
  open_.pop_back();
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  out_ += EscapeXml(text);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

std::string XmlWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

}  // namespace ferry
