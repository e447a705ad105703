#include "config/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"
#include "test_util.h"

namespace ferry::config {
namespace {

using ::testing::HasSubstr;

TEST(YamlReaderTest, TypesScalarsLikeYaml12CoreSchema) {
  YamlParse parse = ParseYaml(R"(
a: 1
b: "1"
c: true
d: 'true'
e: ~
f: 1.5
g: text
h: 0x10
i: 99999999999999999999
j: |
  block
k: NO
)");
  ASSERT_TRUE(parse.problems.empty());
  ASSERT_EQ(parse.documents.size(), 1u);
  const Json& v = *parse.documents[0].value;
  EXPECT_EQ(v["a"], 1);
  EXPECT_EQ(v["b"], "1");
  EXPECT_EQ(v["c"], true);
  EXPECT_EQ(v["d"], "true");
  EXPECT_TRUE(v["e"].is_null());
  EXPECT_EQ(v["f"], 1.5);
  EXPECT_EQ(v["g"], "text");
  EXPECT_EQ(v["h"], 16);
  EXPECT_EQ(v["i"], "99999999999999999999");  // out of range stays text, rejected by the codec
  EXPECT_EQ(v["j"], "block\n");
  EXPECT_EQ(v["k"], "NO");  // YAML 1.2: no "Norway problem"
}

TEST(YamlReaderTest, RecordsKeyAndValuePositions) {
  YamlParse parse = ParseYaml("kind: Service\nfunctions:\n  - name: api\n    memory: 64\n");
  ASSERT_EQ(parse.documents.size(), 1u);
  const auto& pos = parse.documents[0].positions;
  EXPECT_EQ(pos.at("/functions/0/memory").key.line, 4);
  EXPECT_EQ(pos.at("/functions/0/memory").key.column, 5);
  EXPECT_EQ(pos.at("/functions/0/memory").value.column, 13);
  EXPECT_EQ(pos.at("/functions/0").value.line, 3);
  EXPECT_EQ(pos.at("/functions/0").value.column, 5);
}

TEST(YamlReaderTest, MultipleDocumentsSkipEmptyOnes) {
  YamlParse parse = ParseYaml("---\na: 1\n---\n---\nb: 2\n...\n");
  ASSERT_TRUE(parse.problems.empty());
  ASSERT_EQ(parse.documents.size(), 2u);
  EXPECT_EQ(parse.documents[1].start.line, 5);
}

TEST(YamlReaderTest, MalformedYamlHasAPosition) {
  YamlParse parse = ParseYaml("a: 1\nb: [1, 2\nc: 3\n");
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("malformed YAML"));
  EXPECT_GT(parse.problems[0].position.line, 1);
  parse = ParseYaml("a: 1\n  b: 2\n");
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].position.line, 2);
}

TEST(YamlReaderTest, DuplicateKeysAreReported) {
  YamlParse parse = ParseYaml("name: a\nmemory: 1\nname: b\n");
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].position.line, 3);
  EXPECT_EQ(parse.problems[0].position.column, 1);
  EXPECT_EQ(parse.problems[0].message, "duplicate key \"name\" (first at line 1)");
}

TEST(YamlReaderTest, BillionLaughsIsBounded) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  YamlParse parse = ParseYaml(bomb);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("more than 100000 values"));
  ASSERT_EQ(parse.documents.size(), 1u);
  EXPECT_TRUE(parse.documents[0].value->is_null());
}

// Issue 18: few values, but one long value repeated by aliases: bounded by bytes, not values.
TEST(YamlReaderTest, ALongAnchorRepeatedByAliasesIsBounded) {
  std::string bomb = "a: &big " + std::string(64 * 1024, 'x') + "\nb: [";
  for (int i = 0; i < 1000; ++i) bomb += i ? ", *big" : "*big";
  bomb += "]\n";
  YamlLimits limits;
  limits.max_bytes = 8u * 1024u * 1024u;
  YamlParse parse = ParseYaml(bomb, limits);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("more than 8388608 bytes of text"));
  ASSERT_EQ(parse.documents.size(), 1u);
  EXPECT_TRUE(parse.documents[0].value->is_null());
  // Under the limit the same aliases expand as before.
  limits.max_bytes = 128u * 1024u * 1024u;
  EXPECT_TRUE(ParseYaml(bomb, limits).problems.empty());
}

TEST(YamlReaderTest, DeepNestingIsBounded) {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  YamlParse parse = ParseYaml(deep);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("nesting deeper than 64"));
  // Far deeper input is stopped by the parser's own recursion guard, not by a stack overflow.
  std::string deeper(100000, '[');
  parse = ParseYaml(deeper);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("malformed YAML"));
}

TEST(YamlReaderTest, NonScalarKeys) {
  YamlParse parse = ParseYaml("? [a, b]\n: 1\nc: 2\n");
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message, "mapping keys must be plain strings");
  EXPECT_EQ((*parse.documents[0].value)["c"], 2);
}

// Fuzz finding (issue 18): yaml-cpp 0.7 answers a token that cannot start a document (',' here)
// with an empty document without consuming it, for ever; YAML::LoadAll collected those documents
// until memory ran out. The reader builds values from the event parser and stops at the second
// empty document at the same place.
TEST(YamlReaderTest, AStrayTokenThatLoopsYamlCppIsRefusedWithItsPosition) {
  std::string finding =
      testing::ReadFile(testing::SourceDir() / "fuzz/corpus/config_yaml/yaml-cpp-runaway.yaml");
  ASSERT_EQ(finding.size(), 648u);
  YamlParse parse = ParseYaml(finding);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message,
            "malformed YAML: unexpected \",\" where a document or value should start");
  EXPECT_EQ(parse.problems[0].position, (SourcePosition{2, 1}));
  EXPECT_TRUE(parse.documents.empty());

  for (std::string text : {",", ", x", "a: 1\n---\n,\n", "---\na: 1\n---\n,\n"}) {
    parse = ParseYaml(text);
    ASSERT_EQ(parse.problems.size(), 1u) << text;
    EXPECT_THAT(parse.problems[0].message, HasSubstr("malformed YAML: unexpected")) << text;
    EXPECT_TRUE(parse.documents.empty()) << text;
  }
}

TEST(YamlReaderTest, AnchorsAliasesAndMergeKeysAsBefore) {
  YamlParse parse = ParseYaml(
      "base: &base {memory: 128, tags: [a, b]}\n"
      "svc:\n"
      "  <<: *base\n"
      "  copy: *base\n"
      "name: &n orders\n"
      "*n : 1\n");
  ASSERT_TRUE(parse.problems.empty()) << parse.problems[0].message;
  ASSERT_EQ(parse.documents.size(), 1u);
  const Json& v = *parse.documents[0].value;
  // yaml-cpp 0.7 has no merge keys: "<<" is an ordinary key holding the aliased value.
  EXPECT_EQ(v["svc"]["<<"]["memory"], 128);
  EXPECT_EQ(v["svc"]["copy"]["tags"][1], "b");
  EXPECT_EQ(v["orders"], 1);
  const auto& pos = parse.documents[0].positions;
  // An alias's value is where its anchor is; below it, the anchored value's own positions.
  EXPECT_EQ(pos.at("/svc/copy").key, (SourcePosition{4, 3}));
  EXPECT_EQ(pos.at("/svc/copy").value, (SourcePosition{1, 7}));
  EXPECT_TRUE(pos.at("/svc/copy").container);
  EXPECT_EQ(pos.at("/svc/copy/tags/1").value, (SourcePosition{1, 37}));
  EXPECT_EQ(pos.at("/orders").key, (SourcePosition{6, 1}));
}

TEST(YamlReaderTest, AnAliasInsideItsOwnAnchorIsRefused) {
  YamlParse parse = ParseYaml("a: &a [1, *a]\nb: 2\n");
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message, "alias *a refers to a value that contains it");
  EXPECT_EQ(parse.problems[0].position, (SourcePosition{1, 11}));
  ASSERT_EQ(parse.documents.size(), 1u);
  EXPECT_TRUE(parse.documents[0].value->is_null());
}

TEST(YamlReaderTest, AliasesDeeperThanTheLimitAreRefused) {
  std::string text = "a: &a [[[[1]]]]\nb: ";
  for (int i = 0; i < 62; ++i) text += "[";
  text += "*a";
  for (int i = 0; i < 62; ++i) text += "]";
  YamlParse parse = ParseYaml(text + "\n");
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("nesting deeper than 64"));
}

// A document over its limits fails alone; the documents after it are read.
TEST(YamlReaderTest, ADocumentOverItsLimitFailsAloneAndTheNextIsRead) {
  YamlLimits limits;
  limits.max_nodes = 10;
  YamlParse parse = ParseYaml("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n---\nb: 1\n", limits);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("more than 10 values"));
  EXPECT_EQ(parse.problems[0].position, (SourcePosition{1, 29}));  // the 9th item: 11th value
  ASSERT_EQ(parse.documents.size(), 2u);
  EXPECT_TRUE(parse.documents[0].value->is_null());
  EXPECT_EQ((*parse.documents[1].value)["b"], 1);
}

// Limits of the whole file end the parse: many documents each under the per-document limits.
TEST(YamlReaderTest, LimitsOfTheWholeFileEndTheParse) {
  YamlLimits limits;
  limits.max_documents = 5;
  YamlParse parse = ParseYaml("a: 1\n---\n---\n---\n---\n---\nb: 2\n", limits);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message, "more than 5 YAML documents in one file");
  EXPECT_EQ(parse.problems[0].position.line, 6);
  EXPECT_TRUE(parse.documents.empty());

  limits = {};
  limits.max_total_nodes = 100;
  std::string many;
  for (int i = 0; i < 20; ++i) many += "---\n[1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
  parse = ParseYaml(many, limits);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message,
            "the file expands to more than 100 values (aliases expanding exponentially?)");
  EXPECT_EQ(parse.problems[0].position.line, 22);

  limits = {};
  limits.max_total_bytes = 1024;
  std::string text = "a: &a " + std::string(300, 'x') + "\n";
  for (int i = 0; i < 3; ++i) text += "---\nb: *a\n";  // anchors do not cross documents
  parse = ParseYaml(text, limits);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("the referenced anchor is not defined"));
  text = "a: " + std::string(300, 'x') + "\n";
  for (int i = 0; i < 3; ++i) text += "---\nb: " + std::string(300, 'y') + "\n";
  parse = ParseYaml(text, limits);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message,
            "the file expands to more than 1024 bytes of text (an alias of a long value "
            "repeated?)");
  EXPECT_EQ(parse.problems[0].position, (SourcePosition{7, 4}));
}

// Hostile shapes: each is refused with one problem, quickly, without building what it describes.
TEST(YamlReaderTest, HostileInputIsRefusedWithOneProblem) {
  // A billion laughs in keys: aliases used as keys cost what they expand to.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  bomb += "? *h\n: 1\n";
  YamlParse parse = ParseYaml(bomb);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("more than 100000 values"));
  // A million empty documents.
  std::string empties;
  for (int i = 0; i < 200000; ++i) empties += "---\n";
  parse = ParseYaml(empties);
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_EQ(parse.problems[0].message, "more than 100000 YAML documents in one file");
  // Unclosed flow collections, deep nesting in keys.
  parse = ParseYaml(std::string(5000, '{'));
  ASSERT_EQ(parse.problems.size(), 1u);
  EXPECT_THAT(parse.problems[0].message, HasSubstr("malformed YAML"));
  parse = ParseYaml("? " + std::string(70, '[') + std::string(70, ']') + "\n: 1\n");
  ASSERT_EQ(parse.problems.size(), 2u);
  EXPECT_EQ(parse.problems[0].message, "mapping keys must be plain strings");
  EXPECT_THAT(parse.problems[1].message, HasSubstr("nesting deeper than 64"));
}

}  // namespace
}  // namespace ferry::config
