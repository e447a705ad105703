#include "config/yaml_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/json.h"

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

}  // namespace
}  // namespace ferry::config
