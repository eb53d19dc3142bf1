#include <parley/assistant/error.hpp>
#include <parley/assistant/state.hpp>
#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>

#include <array>

namespace parley::assistant {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 4> kind_names{"handoff", "start_login", "call_api", "end_conversation"};

std::optional<action_kind> kind_from(std::string_view s) {
  for (std::size_t i = 0; i < kind_names.size(); ++i) {
    if (kind_names[i] == s) return static_cast<action_kind>(i);
  }
  return std::nullopt;
}

std::optional<std::int64_t> counter(const json::object& o, std::string_view key) {
  auto v = core::get_int(o, key);
  if (!v || *v < 0 || *v > (std::int64_t{1} << 40)) return std::nullopt;
  return v;
}

bool read_values(const json::object& o, std::map<std::string, dialog_value>& out) {
  for (const auto& [k, v] : o) {
    if (v.is_string()) {
      out.emplace(std::string(k), std::string(v.get_string()));
    } else if (v.is_array()) {
      std::vector<std::string> list;
      for (const auto& e : v.get_array()) {
        if (!e.is_string()) return false;
        list.emplace_back(e.get_string());
      }
      out.emplace(std::string(k), std::move(list));
    } else {
      return false;
    }
  }
  return true;
}

bool only_keys(const json::object& o, std::initializer_list<std::string_view> keys) {
  for (const auto& [k, v] : o) {
    if (std::find(keys.begin(), keys.end(), std::string_view(k)) == keys.end()) return false;
  }
  return true;
}

}  // namespace

std::string to_json(const dialog_state& s) {
  json::object values;
  for (const auto& [k, v] : s.values) {
    if (const auto* str = std::get_if<std::string>(&v)) {
      values[k] = *str;
    } else {
      json::array list;
      for (const auto& e : std::get<std::vector<std::string>>(v)) list.emplace_back(e);
      values[k] = std::move(list);
    }
  }
  json::object o{{"v", state_format_version},
                 {"def", s.definition_version},
                 {"welcomed", s.welcomed},
                 {"flow", s.flow},
                 {"step", s.step},
                 {"attempts", s.attempts},
                 {"values", std::move(values)},
                 {"misses", s.misses},
                 {"seq", s.action_seq},
                 {"secret", s.awaiting_secret}};
  if (s.pending) {
    o["pending"] = json::object{{"id", s.pending->id},
                                {"kind", kind_names[static_cast<std::size_t>(s.pending->kind)]},
                                {"intent", s.pending->intent},
                                {"since", s.pending->since}};
  }
  return json::serialize(o);
}

result<dialog_state> state_from_json(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) return make_error_code(errc::state_too_large);
  auto parsed = core::parse_json_object(text, {max_bytes, 8});
  if (!parsed) return make_error_code(errc::corrupt_state);
  const auto& o = *parsed;
  const auto version = core::get_int(o, "v");
  if (!version) return make_error_code(errc::corrupt_state);
  if (*version != state_format_version) return make_error_code(errc::state_version);
  if (!only_keys(
          o, {"v", "def", "welcomed", "flow", "step", "attempts", "values", "misses", "seq", "secret", "pending"})) {
    return make_error_code(errc::corrupt_state);
  }
  dialog_state s;
  const auto def = counter(o, "def");
  const auto welcomed = core::get_bool(o, "welcomed");
  const auto flow = core::get_string(o, "flow");
  const auto step = core::get_string(o, "step");
  const auto attempts = counter(o, "attempts");
  const auto* values = core::get_object(o, "values");
  const auto misses = counter(o, "misses");
  const auto seq = counter(o, "seq");
  const auto secret = core::get_bool(o, "secret");
  if (!def || !welcomed || !flow || !step || !attempts || !values || !misses || !seq || !secret) {
    return make_error_code(errc::corrupt_state);
  }
  s.definition_version = *def;
  s.welcomed = *welcomed;
  s.flow = std::string(*flow);
  s.step = std::string(*step);
  s.attempts = *attempts;
  s.misses = *misses;
  s.action_seq = *seq;
  s.awaiting_secret = *secret;
  if (!read_values(*values, s.values)) return make_error_code(errc::corrupt_state);
  if (const auto* p = o.if_contains("pending")) {
    const auto* po = p->if_object();
    if (!po || !only_keys(*po, {"id", "kind", "intent", "since"})) return make_error_code(errc::corrupt_state);
    const auto id = core::get_string(*po, "id");
    const auto kind = core::get_string(*po, "kind");
    const auto intent = core::get_string(*po, "intent");
    const auto since = core::get_int(*po, "since");
    const auto k = kind ? kind_from(*kind) : std::nullopt;
    if (!id || id->empty() || !k || !intent || !since) return make_error_code(errc::corrupt_state);
    s.pending = pending_action{std::string(*id), *k, std::string(*intent), *since};
  }
  return s;
}

}  // namespace parley::assistant
