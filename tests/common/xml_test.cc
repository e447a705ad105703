// The XML adapter: navigation of a parsed document, the writer's escaping, and hostile or
// malformed documents (errors, never crashes, entity expansion or unbounded recursion).
#include "common/xml.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry {
namespace {

TEST(XmlTest, NavigatesADocument) {
  auto doc = XmlDocument::Parse(R"(<?xml version="1.0" encoding="UTF-8"?>
    <!-- a comment -->
    <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <Name>b</Name>
      <Contents><Key>a&amp;b &lt;c&gt; &#x263A;</Key><Size>3</Size></Contents>
      <?pi ignored?>
      <Contents><Key><![CDATA[<raw>]]></Key></Contents>
      <Empty/>
    </ListBucketResult>)");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const XmlElement root = doc->Root();
  EXPECT_EQ(root.Name(), "ListBucketResult");
  EXPECT_TRUE(doc->Root("ListBucketResult"));
  EXPECT_FALSE(doc->Root("Other"));
  EXPECT_EQ(root.ChildText("Name"), "b");
  const std::vector<XmlElement> contents = root.Children("Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0].ChildText("Key"), "a&b <c> \u263A");
  EXPECT_EQ(contents[0].ChildText("Size"), "3");
  EXPECT_EQ(contents[1].ChildText("Key"), "<raw>");
  EXPECT_EQ(root.Children().size(), 4u);  // elements only: no comment, PI or whitespace
  EXPECT_EQ(root.Child("Empty").Text(), "");
  EXPECT_TRUE(root.Child("Empty"));
}

TEST(XmlTest, TheEmptyElementAnswersEmpty) {
  auto doc = XmlDocument::Parse("<a><b>text</b></a>");
  ASSERT_TRUE(doc.ok());
  const XmlElement missing = doc->Root().Child("x").Child("y");
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing.Name(), "");
  EXPECT_EQ(missing.Text(), "");
  EXPECT_EQ(missing.ChildText("z"), "");
  EXPECT_TRUE(missing.Children().empty());
  EXPECT_EQ(doc->Root("x").ChildText("b"), "");
  EXPECT_EQ(XmlElement().Name(), "");
}

TEST(XmlTest, TheDocumentOutlivesAMove) {
  auto parsed = XmlDocument::Parse("<a><b>text</b></a>");
  ASSERT_TRUE(parsed.ok());
  XmlDocument doc = std::move(parsed).value();
  EXPECT_EQ(doc.Root().ChildText("b"), "text");
}

TEST(XmlTest, MalformedDocumentsAreErrors) {
  for (const std::string& bad :
       {std::string(), std::string("   "), std::string("not xml"), std::string("<a>"),
        std::string("<a></b>"), std::string("<a><b></a>"), std::string("<a x='1></a>"),
        std::string("<!-- only a comment -->"), std::string(200'000, '<'),
        std::string(100'000, '\xff')}) {
    auto doc = XmlDocument::Parse(bad);
    ASSERT_FALSE(doc.ok()) << bad.substr(0, 20);
    EXPECT_EQ(doc.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(doc.error().message.empty());
  }
  // Oddities a parser may accept or refuse, but must survive.
  for (const std::string& odd :
       {std::string("<a>&bogus;</a>"), std::string("<a>\0</a>", 8),
        std::string("\xff\xfe<\0a\0>\0", 8), std::string("<a>\xc3\x28</a>")}) {
    auto doc = XmlDocument::Parse(odd);
    if (doc.ok()) {
      EXPECT_TRUE(doc->Root());
    }
  }
}

TEST(XmlTest, EntitiesAreNeverExpanded) {
  auto bomb = XmlDocument::Parse(
      R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
         <r><k>&lol2;</k></r>)");
  if (bomb.ok()) {
    EXPECT_EQ(bomb->Root().ChildText("k").find("lollol"), std::string::npos);
  }
  auto external = XmlDocument::Parse(
      R"(<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r><k>&xxe;</k></r>)");
  if (external.ok()) {
    EXPECT_EQ(external->Root().ChildText("k").find("root:"), std::string::npos);
  }
}

TEST(XmlTest, DeepNestingDoesNotExhaustTheStack) {
  std::string deep;
  for (int i = 0; i < 200'000; ++i) deep += "<a>";
  deep += "x";
  for (int i = 0; i < 200'000; ++i) deep += "</a>";
  auto doc = XmlDocument::Parse(deep);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->Root().Child("a").Child("a").Name(), "a");
}

TEST(XmlTest, WriterEscapesTextAndAttributes) {
  XmlWriter writer;
  writer.Open("Root", {{"xmlns", "urn:x"}, {"q", "a\"b&c"}})
      .Element("Text", "1 < 2 & 3 > 2 \"quoted\" 'single'\r\n")
      .Open("Nested")
      .Element("Empty", "")
      .Close()
      .Open("Unclosed")
      .Element("Leaf", "v");
  const std::string xml = writer.Finish();
  EXPECT_EQ(xml,
            "<Root xmlns=\"urn:x\" q=\"a&quot;b&amp;c\"><Text>1 &lt; 2 &amp; 3 &gt; 2 "
            "&quot;quoted&quot; 'single'&#13;\n</Text><Nested><Empty></Empty></Nested>"
            "<Unclosed><Leaf>v</Leaf></Unclosed></Root>");
  // What it writes reads back as written.
  auto doc = XmlDocument::Parse(xml);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->Root().ChildText("Text"), "1 < 2 & 3 > 2 \"quoted\" 'single'\r\n");
  EXPECT_EQ(doc->Root().Child("Unclosed").ChildText("Leaf"), "v");
}

// Found by fuzz/sandbox_query: text with a NUL byte, other control characters or invalid UTF-8
// (echoed from a request into an error message) made a document that did not parse.
TEST(XmlTest, WhatTheWriterWritesAlwaysParses) {
  XmlWriter writer;
  writer.Open("Root").Element("Message", std::string("a\0b\x05"
                                                     "c\xFF\xFE"
                                                     "d",
                                                     8));
  const std::string xml = writer.Finish();
  auto doc = XmlDocument::Parse(xml);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->Root().ChildText("Message"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD"
            "d");
}

TEST(XmlTest, CloseWithNothingOpenIsHarmless) {
  XmlWriter writer;
  writer.Close().Element("a", "b").Close();
  EXPECT_EQ(writer.Finish(), "<a>b</a>");
}

}  // namespace
}  // namespace ferry
