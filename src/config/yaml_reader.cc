#include "config/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "common/json.h"
#include "common/strings.h"
#include "model/problem.h"

namespace ferry::config {
namespace {

SourcePosition ToPosition(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

// Thrown by the handler to stop yaml-cpp's parser (which has no other way to be stopped): a limit
// of the whole stream ran out, or the parser stopped making progress.
struct StopParse {
  YamlProblem problem;
};

// What an anchor stands for: a copy of its value, with what expanding it costs.
struct Anchored {
  Json value;
  std::optional<std::string> key_text;  // its text when it is a scalar (a usable mapping key)
  std::vector<std::pair<std::string, NodePosition>> positions;  // by path relative to the value
  SourcePosition position;
  size_t nodes = 0;
  size_t bytes = 0;
  int height = 0;  // levels below the value
};

// Where the next node goes: the document root, a mapping's key or value, or a list item.
struct Place {
  bool is_key = false;
  bool insert = true;  // false: a duplicate key's value, a non-scalar key (parsed, then dropped)
  bool record = true;  // positions are recorded (false inside dropped values)
  std::string path;
  SourcePosition key_pos;
  int depth = 0;
};

// A mapping or list being built.
struct Frame {
  bool is_map = false;
  Place place;
  Json value;
  SourcePosition position;
  YAML::anchor_t anchor = YAML::NullAnchor;
  size_t nodes_at_start = 0;
  size_t bytes_at_start = 0;
  int deepest = 0;  // depth of the deepest value inside, aliases expanded
  // Mappings: the key whose value comes next.
  bool awaiting_value = false;
  bool key_ok = false;
  std::string key;
  SourcePosition key_pos;
  size_t next_index = 0;  // lists
};

// Builds documents from yaml-cpp's events, checking the limits on every event.
class DocumentBuilder : public YAML::EventHandler {
 public:
  DocumentBuilder(std::string_view text, const YamlLimits& limits, YamlParse& out)
      : text_(text), limits_(limits), out_(out) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > limits_.max_documents) {
      throw StopParse{{ToPosition(mark), "more than " + std::to_string(limits_.max_documents) +
                                             " YAML documents in one file"}};
    }
    // yaml-cpp 0.7 answers a token that cannot start a document (a ',' or ']' at the top level)
    // with an empty document without consuming the token, for ever: a second empty document at
    // the same place is that loop.
    if (previous_was_empty_ && mark.pos == previous_start_.pos) {
      std::string message = "malformed YAML: unexpected ";
      if (mark.pos >= 0 && static_cast<size_t>(mark.pos) < text_.size()) {
        message += QuoteForMessage(std::string(1, text_[mark.pos]));
      } else {
        message += "token";
      }
      throw StopParse{{ToPosition(mark), message + " where a document or value should start"}};
    }
    previous_start_ = mark;
    doc_ = YamlDocument{};
    doc_.value = std::make_unique<Json>();
    root_set_ = false;
    root_null_ = false;
    failed_ = false;
    nodes_ = 0;
    bytes_ = 0;
    stack_.clear();
    anchors_.clear();
    anchor_names_.clear();
  }

  void OnDocumentEnd() override {
    previous_was_empty_ = !failed_ && (!root_set_ || root_null_);
    if (failed_) {
      *doc_.value = nullptr;
      out_.documents.push_back(std::move(doc_));
    } else if (root_set_ && !root_null_) {
      out_.documents.push_back(std::move(doc_));
    }
    stack_.clear();
    anchors_.clear();
  }

  void OnAnchor(const YAML::Mark&, const std::string& name) override { pending_name_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Leaf(mark, anchor, nullptr, std::nullopt);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // "?" is a plain scalar; "!" (quoted or block scalar) and explicit tags stay strings.
    Leaf(mark, anchor, tag == "?" ? ResolvePlainScalar(value) : Json(value), value);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (failed_) return;
    Place place = NextPlace();
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // yaml-cpp refuses unknown anchors itself, so this one is still open: the alias is inside
      // the value it names.
      return Fail(ToPosition(mark),
                  "alias " + AnchorName(anchor) + " refers to a value that contains it");
    }
    const Anchored& a = it->second;
    SourcePosition at = ToPosition(mark);
    if (!CountNodes(at, a.nodes) || !CountBytes(at, a.bytes)) return;
    if (!CheckDepth(at, place.depth + a.height)) return;
    if (place.is_key) return Key(mark, a.key_text);
    SourcePosition pos = a.position.line ? a.position : ToPosition(mark);
    if (place.record) {
      doc_.positions.emplace(place.path, NodePosition{place.key_pos.line ? place.key_pos : pos, pos,
                                                      a.value.is_structured()});
      for (const auto& [relative, position] : a.positions) {
        if (!relative.empty()) doc_.positions.emplace(place.path + relative, position);
      }
    }
    Put(place, pos, place.depth + a.height, Json(a.value));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor, false);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor, true);
  }
  void OnMapEnd() override { Close(); }

 private:
  Place NextPlace() const {
    Place place;
    if (stack_.empty()) return place;  // the document root
    const Frame& top = stack_.back();
    place.depth = top.place.depth + 1;
    place.record = top.place.record && top.place.insert;
    if (!top.is_map) {
      place.path = model::JoinPath(top.place.path, top.next_index);
    } else if (!top.awaiting_value) {
      place.is_key = true;
      place.insert = false;
      place.record = false;
    } else {
      place.key_pos = top.key_pos;
      place.insert = top.key_ok;
      place.record = place.record && top.key_ok;
      place.path = top.key_ok ? model::JoinPath(top.place.path, top.key) : top.place.path;
    }
    return place;
  }

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor, Json value,
            const std::optional<std::string>& text) {
    if (failed_) return;
    Place place = NextPlace();
    SourcePosition pos = ToPosition(mark);
    if (place.is_key) {
      if (text && !CountBytes(pos, text->size())) return;
      Key(mark, text);
      if (anchor != YAML::NullAnchor) {
        anchors_[anchor] = Anchored{std::move(value), text, {}, pos, 1, text ? text->size() : 0, 0};
      }
      return;
    }
    if (stack_.empty()) doc_.start = pos;
    if (!CountNodes(pos, 1)) return;
    if (text && !CountBytes(pos, text->size())) return;
    if (!CheckDepth(pos, place.depth)) return;
    if (place.record) {
      doc_.positions.emplace(place.path,
                             NodePosition{place.key_pos.line ? place.key_pos : pos, pos, false});
    }
    if (anchor != YAML::NullAnchor) {
      size_t bytes = text ? text->size() : 0;
      if (!CountNodes(pos, 1) || !CountBytes(pos, bytes)) return;
      anchors_[anchor] = Anchored{value, text, {}, pos, 1, bytes, 0};
    }
    if (stack_.empty()) root_null_ = !text;
    Put(place, pos, place.depth, std::move(value));
  }

  // Problems inside a dropped value (a duplicate key's, a non-scalar key) are not reported:
  // the value is not used.
  bool Reporting() const { return stack_.empty() || stack_.back().place.record; }

  // The next mapping key: a scalar's text, or nullopt for anything else.
  void Key(const YAML::Mark& mark, const std::optional<std::string>& text) {
    bool reporting = Reporting();
    Frame& map = stack_.back();
    map.awaiting_value = true;
    map.key_pos = ToPosition(mark);
    map.key_ok = false;
    if (!text) {
      if (reporting) out_.problems.push_back({map.key_pos, "mapping keys must be plain strings"});
      return;
    }
    if (map.value.contains(*text)) {
      if (reporting) {
        out_.problems.push_back({map.key_pos, "duplicate key " + QuoteForMessage(*text) +
                                                  " (first at line " +
                                                  std::to_string(FirstKeyLine(map, *text)) + ")"});
      }
      return;
    }
    map.key = *text;
    map.key_ok = true;
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    if (failed_) return;
    if (anchor != YAML::NullAnchor) anchor_names_[anchor] = pending_name_;
    Place place = NextPlace();
    SourcePosition pos = ToPosition(mark);
    if (place.is_key && Reporting()) {
      // Parsed (an alias may name an anchor inside it), then dropped.
      out_.problems.push_back({pos, "mapping keys must be plain strings"});
    }
    if (stack_.empty()) doc_.start = pos;
    if (!CountNodes(pos, 1) || !CheckDepth(pos, place.depth)) return;
    if (place.record) {
      doc_.positions.emplace(place.path,
                             NodePosition{place.key_pos.line ? place.key_pos : pos, pos, true});
    }
    Frame frame;
    frame.is_map = is_map;
    frame.place = std::move(place);
    frame.value = is_map ? Json::object() : Json::array();
    frame.position = pos;
    frame.anchor = anchor;
    frame.nodes_at_start = nodes_;
    frame.bytes_at_start = bytes_;
    frame.deepest = frame.place.depth;
    stack_.push_back(std::move(frame));
  }

  void Close() {
    if (failed_ || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != YAML::NullAnchor) {
      Anchored a;
      a.position = frame.position;
      a.nodes = nodes_ - frame.nodes_at_start + 1;
      a.bytes = bytes_ - frame.bytes_at_start;
      a.height = frame.deepest - frame.place.depth;
      if (frame.place.record) {
        for (auto it = doc_.positions.lower_bound(frame.place.path);
             it != doc_.positions.end() && it->first.starts_with(frame.place.path); ++it) {
          std::string relative = it->first.substr(frame.place.path.size());
          if (relative.empty() || relative[0] == '/')
            a.positions.emplace_back(relative, it->second);
        }
      }
      // The copy costs what the value costs.
      if (!CountNodes(a.position, a.nodes) || !CountBytes(a.position, a.bytes)) return;
      a.value = frame.value;
      anchors_[frame.anchor] = std::move(a);
    }
    if (frame.place.is_key) {
      Frame& map = stack_.back();
      map.awaiting_value = true;
      map.key_ok = false;
      map.key_pos = frame.position;
      map.deepest = std::max(map.deepest, frame.deepest);
      return;
    }
    Put(frame.place, frame.position, frame.deepest, std::move(frame.value));
  }

  // Puts a finished value where `place` says.
  void Put(const Place& place, SourcePosition pos, int deepest, Json value) {
    if (stack_.empty()) {
      root_set_ = true;
      doc_.start = pos;
      *doc_.value = std::move(value);
      return;
    }
    Frame& parent = stack_.back();
    parent.deepest = std::max(parent.deepest, deepest);
    if (parent.is_map) {
      if (place.insert) parent.value[parent.key] = std::move(value);
      parent.awaiting_value = false;
    } else {
      parent.value.push_back(std::move(value));
      ++parent.next_index;
    }
  }

  bool CountNodes(SourcePosition at, size_t n) {
    nodes_ += n;
    total_nodes_ += n;
    if (total_nodes_ > limits_.max_total_nodes) {
      throw StopParse{{at, "the file expands to more than " +
                               std::to_string(limits_.max_total_nodes) +
                               " values (aliases expanding exponentially?)"}};
    }
    if (nodes_ <= limits_.max_nodes) return true;
    Fail(at, "document expands to more than " + std::to_string(limits_.max_nodes) +
                 " values (aliases expanding exponentially?)");
    return false;
  }

  // False (the document failed) when its text, aliases expanded, is over max_bytes.
  bool CountBytes(SourcePosition at, size_t n) {
    bytes_ += n;
    total_bytes_ += n;
    if (total_bytes_ > limits_.max_total_bytes) {
      throw StopParse{{at, "the file expands to more than " +
                               std::to_string(limits_.max_total_bytes) +
                               " bytes of text (an alias of a long value repeated?)"}};
    }
    if (bytes_ <= limits_.max_bytes) return true;
    Fail(at, "document expands to more than " + std::to_string(limits_.max_bytes) +
                 " bytes of text (an alias of a long value repeated?)");
    return false;
  }

  bool CheckDepth(SourcePosition at, int depth) {
    if (depth <= limits_.max_depth) return true;
    Fail(at, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    return false;
  }

  // The document's value becomes null; the rest of its events are ignored.
  void Fail(SourcePosition at, std::string message) {
    out_.problems.push_back({at, std::move(message)});
    failed_ = true;
    stack_.clear();
    anchors_.clear();
  }

  std::string AnchorName(YAML::anchor_t anchor) const {
    auto it = anchor_names_.find(anchor);
    return it == anchor_names_.end() ? "*" : "*" + it->second;
  }

  int FirstKeyLine(const Frame& map, const std::string& name) const {
    auto it = doc_.positions.find(model::JoinPath(map.place.path, name));
    return it == doc_.positions.end() ? 0 : it->second.key.line;
  }

  std::string_view text_;
  const YamlLimits& limits_;
  YamlParse& out_;
  size_t documents_ = 0;
  size_t total_nodes_ = 0;
  size_t total_bytes_ = 0;
  YAML::Mark previous_start_ = YAML::Mark::null_mark();
  bool previous_was_empty_ = false;
  // The document being built.
  YamlDocument doc_;
  bool root_set_ = false;
  bool root_null_ = false;
  bool failed_ = false;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::map<YAML::anchor_t, std::string> anchor_names_;
  std::string pending_name_;
};

}  // namespace

Json ResolvePlainScalar(std::string_view text) {
  static const std::set<std::string_view> kNull = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string_view> kTrue = {"true", "True", "TRUE"};
  static const std::set<std::string_view> kFalse = {"false", "False", "FALSE"};
  if (kNull.contains(text)) return nullptr;
  if (kTrue.contains(text)) return true;
  if (kFalse.contains(text)) return false;
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kHex("0x[0-9a-fA-F]+");
  static const std::regex kOct("0o[0-7]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex kInf(R"([-+]?\.(inf|Inf|INF))");
  static const std::regex kNan(R"(\.(nan|NaN|NAN))");
  std::string s(text);
  if (std::regex_match(s, kInt)) {
    if (auto n = ParseInt(s[0] == '+' ? s.substr(1) : s)) return *n;
    return s;  // out of range: keep the text so the type error names it
  }
  if (std::regex_match(s, kHex)) {
    try {
      return static_cast<int64_t>(std::stoll(s.substr(2), nullptr, 16));
    } catch (const std::exception&) {
      return s;
    }
  }
  if (std::regex_match(s, kOct)) {
    try {
      return static_cast<int64_t>(std::stoll(s.substr(2), nullptr, 8));
    } catch (const std::exception&) {
      return s;
    }
  }
  if (std::regex_match(s, kFloat)) {
    if (auto d = ParseDouble(s[0] == '+' ? s.substr(1) : s)) return *d;
  }
  // JSON has no infinity or NaN; such values stay strings, which every numeric field rejects.
  if (std::regex_match(s, kInf) || std::regex_match(s, kNan)) return s;
  return s;
}

YamlParse ParseYaml(std::string_view text, const YamlLimits& limits) {
  YamlParse result;
  std::istringstream stream{std::string(text)};
  try {
    YAML::Parser parser(stream);
    DocumentBuilder builder(text, limits, result);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const StopParse& stop) {
    result = YamlParse{};
    result.problems.push_back(stop.problem);
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's message without its "yaml-cpp: error at line..." prefix.
    result = YamlParse{};
    result.problems.push_back({ToPosition(e.mark), "malformed YAML: " + e.msg});
  } catch (const std::exception& e) {
    result = YamlParse{};
    result.problems.push_back({{}, std::string("malformed YAML: ") + e.what()});
  }
  return result;
}

}  // namespace ferry::config
