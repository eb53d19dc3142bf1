#include <parley/core/json.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_set>
#include <vector>

namespace parley::core {
namespace {

namespace json = boost::json;

// Member names of one open object: a short vector while small, a hash set once large, so that a
// hostile document with thousands of members costs linear time.
class key_set {
 public:
  bool insert(std::string&& key) {
    if (!big_.empty()) return big_.insert(std::move(key)).second;
    if (std::find(small_.begin(), small_.end(), key) != small_.end()) return false;
    small_.push_back(std::move(key));
    if (small_.size() > 16) {
      big_.insert(std::make_move_iterator(small_.begin()), std::make_move_iterator(small_.end()));
      small_.clear();
    }
    return true;
  }

 private:
  std::vector<std::string> small_;
  std::unordered_set<std::string> big_;
};

// A Boost.JSON basic_parser handler that builds the value like boost::json::parser does and, in
// addition, remembers the member names of each open object to refuse duplicates.
struct strict_handler {
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  // basic_parser forwards its extra constructor arguments here (clang 14 has no parenthesised
  // aggregate initialisation, so this constructor is spelled out).
  explicit strict_handler(json::storage_ptr sp) : st(std::move(sp)) {}

  json::value_stack st;
  std::vector<key_set> keys;  // one entry per open object
  std::string key_buf;
  std::string number_buf;  // a number split over several writes
  bool duplicate = false;
  bool non_finite = false;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys.pop_back();
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_buf.append(s.data(), s.size());
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_buf.append(s.data(), s.size());
    if (!keys.back().insert(std::move(key_buf))) {
      duplicate = true;
      ec = json::error::syntax;  // stops the parser; reported as duplicate_key below
      return false;
    }
    key_buf.clear();
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_buf.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_buf.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_buf.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code& ec) {
    // Boost.JSON 1.81 converts long mantissas inexactly (off by one unit in the last place), so a
    // value would not survive serialise-and-parse; std::from_chars rounds correctly.
    std::string_view text(s.data(), s.size());
    if (!number_buf.empty()) {
      number_buf.append(s.data(), s.size());
      text = number_buf;
    }
    double exact = 0;
    const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), exact);
    number_buf.clear();
    if (err == std::errc{} && end == text.data() + text.size()) {
      d = exact;
    } else if (err != std::errc::result_out_of_range || !std::isfinite(d)) {
      d = std::numeric_limits<double>::infinity();  // too large (an underflow keeps Boost's 0)
    }
    if (!std::isfinite(d)) {
      non_finite = true;
      ec = json::error::syntax;  // stops the parser; reported as non_finite_number below
      return false;
    }
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

result<boost::json::value> parse_json(std::string_view text, const json_limits& limits) {
  if (text.size() > limits.max_bytes) return make_error_code(errc::too_large);
  json::parse_options opt;
  opt.max_depth = limits.max_depth;
  opt.allow_comments = false;
  opt.allow_trailing_commas = false;
  opt.allow_invalid_utf8 = false;
  json::basic_parser<strict_handler> p(opt, json::storage_ptr{});
  p.handler().st.reset();
  json::error_code ec;
  const auto n = p.write_some(false, text.data(), text.size(), ec);
  if (p.handler().duplicate) return make_error_code(errc::duplicate_key);
  if (p.handler().non_finite) return make_error_code(errc::non_finite_number);
  if (ec == json::error::too_deep) return make_error_code(errc::too_deep);
  if (ec || n != text.size() || !p.done()) return make_error_code(errc::parse_error);
  return p.handler().st.release();
}

result<boost::json::object> parse_json_object(std::string_view text, const json_limits& limits) {
  auto v = parse_json(text, limits);
  if (!v) return v.error();
  if (!v->is_object()) return make_error_code(errc::parse_error);
  return std::move(v->as_object());
}

const boost::json::object* get_object(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

const boost::json::array* get_array(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

std::optional<std::string_view> get_string(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  const auto& s = v->get_string();
  return std::string_view{s.data(), s.size()};
}

std::optional<std::int64_t> get_int(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

std::optional<bool> get_bool(const boost::json::object& o, std::string_view key) noexcept {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

}  // namespace parley::core
