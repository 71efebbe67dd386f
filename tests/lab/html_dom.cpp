#include "html_dom.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <sstream>

namespace reachprobe::lab {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void AppendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

const std::set<std::string>& VoidElements() {
  static const std::set<std::string> kVoid = {"area",   "base",  "br",    "col",  "embed",
                                              "hr",     "img",   "input", "link", "meta",
                                              "source", "track", "wbr"};
  return kVoid;
}

}  // namespace

std::string HtmlDecode(const std::string& text) {
  static const std::map<std::string, unsigned long> kNamed = {
      {"amp", '&'},      {"lt", '<'},        {"gt", '>'},      {"quot", '"'},
      {"apos", '\''},    {"nbsp", 0xA0},     {"middot", 0xB7}, {"mdash", 0x2014},
      {"ndash", 0x2013}, {"hellip", 0x2026}, {"rarr", 0x2192}, {"larr", 0x2190}};
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t semi = text.find(';', i + 1);
    if (semi == std::string::npos || semi - i > 12) {
      out += '&';
      continue;
    }
    const std::string name = text.substr(i + 1, semi - i - 1);
    unsigned long cp = 0;
    bool ok = false;
    if (!name.empty() && name[0] == '#') {
      const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
      const std::string digits = name.substr(hex ? 2 : 1);
      char* end = nullptr;
      cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      ok = !digits.empty() && end != nullptr && *end == '\0';
    } else if (auto it = kNamed.find(name); it != kNamed.end()) {
      cp = it->second;
      ok = true;
    }
    if (!ok) {
      out += '&';
      continue;
    }
    AppendUtf8(out, cp);
    i = semi;
  }
  return out;
}

std::string Squeeze(const std::string& text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (IsSpace(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string HtmlNode::attr(const std::string& name) const {
  const auto it = attrs.find(name);
  return it == attrs.end() ? "" : it->second;
}

bool HtmlNode::has_class(const std::string& name) const {
  std::istringstream classes(attr("class"));
  for (std::string c; classes >> c;) {
    if (c == name) return true;
  }
  return false;
}

std::string HtmlNode::text_content() const {
  if (!is_element()) return text;
  std::string out;
  for (const HtmlNode* child : children) out += child->text_content();
  return out;
}

std::vector<const HtmlNode*> HtmlNode::find_all(
    const std::function<bool(const HtmlNode&)>& match) const {
  std::vector<const HtmlNode*> out;
  std::function<void(const HtmlNode&)> walk = [&](const HtmlNode& node) {
    for (const HtmlNode* child : node.children) {
      if (!child->is_element()) continue;
      if (match(*child)) out.push_back(child);
      walk(*child);
    }
  };
  walk(*this);
  return out;
}

std::vector<const HtmlNode*> HtmlNode::select(const std::string& name,
                                              const std::string& cls) const {
  return find_all([&](const HtmlNode& n) {
    return (name.empty() || n.tag == name) && (cls.empty() || n.has_class(cls));
  });
}

const HtmlNode* HtmlNode::first(const std::string& name, const std::string& cls) const {
  const auto all = select(name, cls);
  return all.empty() ? nullptr : all.front();
}

HtmlNode* HtmlDocument::add(HtmlNode* parent) {
  nodes_.push_back(std::make_unique<HtmlNode>());
  HtmlNode* node = nodes_.back().get();
  node->parent = parent;
  if (parent != nullptr) parent->children.push_back(node);
  return node;
}

HtmlDocument::HtmlDocument(const std::string& html) {
  HtmlNode* root = add(nullptr);
  root->tag = "#document";
  std::vector<HtmlNode*> open = {root};
  auto add_text = [&](const std::string& raw) {
    if (raw.empty()) return;
    HtmlNode* t = add(open.back());
    t->text = HtmlDecode(raw);
  };
  std::size_t i = 0;
  const std::size_t n = html.size();
  while (i < n) {
    if (html[i] != '<') {
      const std::size_t next = html.find('<', i);
      const std::size_t end = next == std::string::npos ? n : next;
      add_text(html.substr(i, end - i));
      i = end;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string::npos ? n : end + 3;
      continue;
    }
    if (i + 1 < n && (html[i + 1] == '!' || html[i + 1] == '?')) {
      const std::size_t end = html.find('>', i);
      i = end == std::string::npos ? n : end + 1;
      continue;
    }
    if (i + 1 < n && html[i + 1] == '/') {
      std::size_t j = i + 2;
      while (j < n && !IsSpace(html[j]) && html[j] != '>') ++j;
      const std::string name = Lower(html.substr(i + 2, j - i - 2));
      const std::size_t end = html.find('>', j);
      i = end == std::string::npos ? n : end + 1;
      // Close up to the nearest open element of that name; a stray end tag closes nothing.
      for (std::size_t k = open.size(); k-- > 1;) {
        if (open[k]->tag == name) {
          open.resize(k);
          break;
        }
      }
      continue;
    }
    if (i + 1 >= n || !std::isalpha(static_cast<unsigned char>(html[i + 1]))) {
      add_text("<");
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && !IsSpace(html[j]) && html[j] != '>' && html[j] != '/') ++j;
    HtmlNode* element = add(open.back());
    element->tag = Lower(html.substr(i + 1, j - i - 1));
    bool self_closing = false;
    while (j < n) {
      while (j < n && IsSpace(html[j])) ++j;
      if (j >= n) break;
      if (html[j] == '>') {
        ++j;
        break;
      }
      if (html[j] == '/') {
        self_closing = true;
        ++j;
        continue;
      }
      std::size_t k = j;
      while (k < n && !IsSpace(html[k]) && html[k] != '=' && html[k] != '>' && html[k] != '/') ++k;
      const std::string name = Lower(html.substr(j, k - j));
      j = k;
      while (j < n && IsSpace(html[j])) ++j;
      std::string value;
      if (j < n && html[j] == '=') {
        ++j;
        while (j < n && IsSpace(html[j])) ++j;
        if (j < n && (html[j] == '"' || html[j] == '\'')) {
          const char quote = html[j];
          const std::size_t close = html.find(quote, j + 1);
          const std::size_t stop = close == std::string::npos ? n : close;
          value = html.substr(j + 1, stop - j - 1);
          j = stop == n ? n : stop + 1;
        } else {
          k = j;
          while (k < n && !IsSpace(html[k]) && html[k] != '>') ++k;
          value = html.substr(j, k - j);
          j = k;
        }
      }
      if (!name.empty()) element->attrs.emplace(name, HtmlDecode(value));
    }
    i = j;
    if (element->tag == "script" || element->tag == "style") {
      // Raw text up to the matching end tag, not parsed as markup.
      const std::string close = "</" + element->tag;
      std::size_t end = i;
      for (; end < n; ++end) {
        if (html[end] == '<' && Lower(html.substr(end, close.size())) == close) break;
      }
      if (end > i) {
        HtmlNode* t = add(element);
        t->text = html.substr(i, end - i);
      }
      const std::size_t gt = html.find('>', end);
      i = gt == std::string::npos ? n : gt + 1;
      continue;
    }
    if (!self_closing && VoidElements().count(element->tag) == 0) open.push_back(element);
  }
}

const HtmlNode* HtmlDocument::by_id(const std::string& id) const {
  const auto all = root().find_all([&](const HtmlNode& n) { return n.attr("id") == id; });
  return all.empty() ? nullptr : all.front();
}

}  // namespace reachprobe::lab
