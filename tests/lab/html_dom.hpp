// A small HTML reader for the status page tests: enough to query what Chromium's --dump-dom
// (or reachprobe's own markup) holds, by tag, id, class and attribute, and to read text as a
// browser shows it (entities decoded). It is not a full HTML5 parser: it trusts end tags to be
// written (both inputs write them) and knows only the void and raw-text elements.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace reachprobe::lab {

struct HtmlNode {
  std::string tag;  // lower case; empty for a text node
  std::map<std::string, std::string> attrs;  // names lower case, values decoded
  std::string text;                          // a text node's decoded text
  std::vector<HtmlNode*> children;
  HtmlNode* parent = nullptr;

  bool is_element() const { return !tag.empty(); }
  // The attribute's value, or "" when it is absent.
  std::string attr(const std::string& name) const;
  bool has_attr(const std::string& name) const { return attrs.count(name) != 0; }
  bool has_class(const std::string& name) const;
  // All text below this node, concatenated (what textContent gives).
  std::string text_content() const;
  // Descendant elements (not this one) for which `match` holds, in document order.
  std::vector<const HtmlNode*> find_all(const std::function<bool(const HtmlNode&)>& match) const;
  // Descendants with this tag (any tag when empty) and, when not empty, this class.
  std::vector<const HtmlNode*> select(const std::string& name, const std::string& cls = "") const;
  // The first of select(), or nullptr.
  const HtmlNode* first(const std::string& name, const std::string& cls = "") const;
};

class HtmlDocument {
 public:
  explicit HtmlDocument(const std::string& html);
  HtmlDocument(const HtmlDocument&) = delete;
  HtmlDocument& operator=(const HtmlDocument&) = delete;

  const HtmlNode& root() const { return *nodes_.front(); }
  // The element with this id, or nullptr.
  const HtmlNode* by_id(const std::string& id) const;
  std::vector<const HtmlNode*> select(const std::string& name, const std::string& cls = "") const {
    return root().select(name, cls);
  }

 private:
  HtmlNode* add(HtmlNode* parent);
  std::vector<std::unique_ptr<HtmlNode>> nodes_;  // the root (a pseudo element) first
};

// Text with HTML character references decoded (&lt; &amp; &#39; &#x3c; &nbsp; &middot; ...).
std::string HtmlDecode(const std::string& text);

// Whitespace runs collapsed to one space, trimmed at both ends.
std::string Squeeze(const std::string& text);

}  // namespace reachprobe::lab
