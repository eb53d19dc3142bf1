#include "uri.hpp"

#include <parley/core/error.hpp>
#include <parley/net/router.hpp>

#include <algorithm>

namespace parley::net {

// A trie of path segments. Each node may have literal children, one parameter child and one tail
// child; the endpoints registered for the pattern ending at a node hang off it.
struct router::node {
  std::string literal;
  std::vector<std::unique_ptr<node>> literals;
  std::unique_ptr<node> param;
  std::string param_name;
  std::unique_ptr<node> tail;
  std::string tail_name;
  std::string pattern;                           // set when endpoints is non-empty
  std::vector<std::unique_ptr<endpoint>> endpoints;  // unique_ptr: stable addresses for the server
};

namespace {

std::vector<std::string_view> split_segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path == "/") return out;
  path.remove_prefix(1);  // leading '/'
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);  // one trailing slash is ignored
  for (;;) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

struct decoded_path {
  std::vector<std::string> segments;
  bool ok = true;
};

decoded_path decode_path(std::string_view raw) {
  decoded_path out;
  for (const auto seg : split_segments(raw)) {
    auto d = detail::percent_decode(seg, false);
    if (!d) {
      out.ok = false;
      return out;
    }
    out.segments.push_back(std::move(*d));
  }
  return out;
}

}  // namespace

router::router() : root_(std::make_unique<node>()) {}
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

router& router::get(std::string_view p, handler h, route_options o) { return add(method::get, p, std::move(h), std::move(o)); }
router& router::post(std::string_view p, handler h, route_options o) { return add(method::post, p, std::move(h), std::move(o)); }
router& router::put(std::string_view p, handler h, route_options o) { return add(method::put, p, std::move(h), std::move(o)); }
router& router::del(std::string_view p, handler h, route_options o) {
  return add(method::delete_, p, std::move(h), std::move(o));
}

namespace {

// Walks/creates the trie nodes of `pattern`; returns the node the endpoints hang off.
template <class Node>
Node* insert_pattern(Node* n, std::string_view pattern) {
  PARLEY_CHECK(pattern.starts_with('/'), "route patterns are absolute paths");
  const auto segments = split_segments(pattern);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto seg = segments[i];
    if (seg.starts_with("{*") && seg.ends_with('}')) {
      const auto name = seg.substr(2, seg.size() - 3);
      PARLEY_CHECK(valid_name(name) && i + 1 == segments.size(), "a {*tail} parameter must be the last segment");
      if (!n->tail) {
        n->tail = std::make_unique<Node>();
        n->tail_name = std::string(name);
      }
      PARLEY_CHECK(n->tail_name == name, "conflicting tail parameter names at one place");
      n = n->tail.get();
    } else if (seg.starts_with('{') && seg.ends_with('}')) {
      const auto name = seg.substr(1, seg.size() - 2);
      PARLEY_CHECK(valid_name(name), "invalid route parameter name");
      if (!n->param) {
        n->param = std::make_unique<Node>();
        n->param_name = std::string(name);
      }
      PARLEY_CHECK(n->param_name == name, "conflicting parameter names at one place in two patterns");
      n = n->param.get();
    } else {
      PARLEY_CHECK(!seg.empty() && seg.find_first_of("{}%?#") == std::string_view::npos, "invalid literal segment");
      auto it = std::find_if(n->literals.begin(), n->literals.end(), [&](const auto& c) { return c->literal == seg; });
      if (it == n->literals.end()) {
        n->literals.push_back(std::make_unique<Node>());
        n->literals.back()->literal = std::string(seg);
        it = std::prev(n->literals.end());
      }
      n = it->get();
    }
  }
  return n;
}

}  // namespace

router& router::add(method m, std::string_view pattern, handler h, route_options options) {
  PARLEY_CHECK(h != nullptr, "null handler");
  PARLEY_CHECK(m != method::other && m != method::head, "HEAD is served by GET handlers; other methods unsupported");
  node* n = insert_pattern(root_.get(), pattern);
  for (const auto& e : n->endpoints) PARLEY_CHECK(e->verb != m, "route registered twice");
  n->pattern = std::string(pattern);
  auto e = std::make_unique<endpoint>();
  e->verb = m;
  e->on_request = std::move(h);
  e->options = std::move(options);
  n->endpoints.push_back(std::move(e));
  return *this;
}

router& router::websocket(std::string_view pattern, websocket_handler h, websocket_options ws, route_options options) {
  PARLEY_CHECK(h != nullptr, "null handler");
  node* n = insert_pattern(root_.get(), pattern);
  for (const auto& e : n->endpoints) PARLEY_CHECK(e->verb != method::get, "route registered twice");
  n->pattern = std::string(pattern);
  auto e = std::make_unique<endpoint>();
  e->verb = method::get;
  e->on_upgrade = std::move(h);
  e->ws = ws;
  e->options = std::move(options);
  n->endpoints.push_back(std::move(e));
  return *this;
}

namespace {

// Depth-first match: literal children first, then the parameter, then the tail, so that the most
// specific pattern wins.
template <class Node>
const Node* find(const Node* n, const std::vector<std::string>& segs, std::size_t i, param_list& params) {
  if (i == segs.size()) {
    if (!n->endpoints.empty()) return n;
    if (n->tail && !n->tail->endpoints.empty()) {
      params.add(n->tail_name, "");
      return n->tail.get();
    }
    return nullptr;
  }
  const std::string& seg = segs[i];
  for (const auto& child : n->literals) {
    if (child->literal == seg) {
      if (const Node* r = find(child.get(), segs, i + 1, params)) return r;
    }
  }
  if (n->param && !seg.empty()) {
    const std::size_t mark = params.size();
    params.add(n->param_name, seg);
    if (const Node* r = find(n->param.get(), segs, i + 1, params)) return r;
    params.truncate(mark);  // backtrack: drop what this branch added
  }
  if (n->tail && !n->tail->endpoints.empty()) {
    std::string rest;
    for (std::size_t k = i; k < segs.size(); ++k) {
      // A decoded '/' or '\' inside one segment would let "a%2F..%2Fb" re-split later.
      if (segs[k].find_first_of("/\\") != std::string::npos) return nullptr;
      if (k > i) rest += '/';
      rest += segs[k];
    }
    params.add(n->tail_name, std::move(rest));
    return n->tail.get();
  }
  return nullptr;
}

}  // namespace

router::match_result router::match(method m, std::string_view raw_path) const {
  match_result out;
  auto decoded = decode_path(raw_path);
  if (!decoded.ok) {
    out.outcome = match_result::kind::bad_path;
    return out;
  }
  param_list params;
  const node* n = find(root_.get(), decoded.segments, 0, params);
  if (!n) return out;
  out.pattern = n->pattern;
  bool has_get = false;
  for (const auto& e : n->endpoints) {
    out.allowed.push_back(e->verb);
    out.endpoints.push_back(e.get());
    has_get = has_get || e->verb == method::get;
  }
  if (has_get) out.allowed.push_back(method::head);
  out.allowed.push_back(method::options);
  const method wanted = m == method::head ? method::get : m;
  for (const auto& e : n->endpoints) {
    if (e->verb == wanted) {
      out.outcome = match_result::kind::found;
      out.target = e.get();
      out.params = std::move(params);
      return out;
    }
  }
  out.outcome = match_result::kind::method_not_allowed;
  return out;
}

void router::for_each_endpoint(const std::function<void(std::string_view, const endpoint&)>& fn) const {
  std::vector<const node*> stack{root_.get()};
  while (!stack.empty()) {
    const node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->endpoints) fn(n->pattern, *e);
    for (const auto& c : n->literals) stack.push_back(c.get());
    if (n->param) stack.push_back(n->param.get());
    if (n->tail) stack.push_back(n->tail.get());
  }
}

}  // namespace parley::net
