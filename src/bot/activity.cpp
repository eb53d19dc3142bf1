#include "activity.hpp"

#include <parley/bot/error.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace parley::bot {
namespace {

namespace json = boost::json;

// A member that, when present and not null, must be a string of at most `max` bytes.
bool read_string(const json::object& o, std::string_view key, std::size_t max, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_string() || v->get_string().size() > max) return false;
  out.assign(v->get_string().begin(), v->get_string().end());
  return true;
}

bool account_from(const json::value& v, const activity_limits& l, channel_account& out) {
  if (!v.is_object()) return false;
  const auto& a = v.get_object();
  return read_string(a, "id", l.max_id_bytes, out.id) && read_string(a, "name", l.max_id_bytes, out.name) &&
         read_string(a, "role", 32, out.role);
}

bool read_account(const json::object& o, std::string_view key, const activity_limits& l, channel_account& out) {
  const auto* v = o.if_contains(key);
  return v == nullptr || v->is_null() || account_from(*v, l, out);
}

}  // namespace

std::optional<std::chrono::minutes> utc_offset_of(std::string_view ts) {
  if (ts.size() < 20) return std::nullopt;
  if (ts.back() == 'Z') return std::chrono::minutes{0};
  const auto tail = ts.substr(ts.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return std::nullopt;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(tail[1]) || !digit(tail[2]) || !digit(tail[4]) || !digit(tail[5])) return std::nullopt;
  const int h = (tail[1] - '0') * 10 + (tail[2] - '0');
  const int m = (tail[4] - '0') * 10 + (tail[5] - '0');
  if (h > 14 || m > 59) return std::nullopt;
  const int total = h * 60 + m;
  return std::chrono::minutes{tail[0] == '-' ? -total : total};
}

result<inbound_activity> parse_activity(const json::value& body, const activity_limits& l) {
  const auto bad = make_error_code(errc::bad_activity);
  if (!body.is_object()) return bad;
  const auto& o = body.get_object();
  inbound_activity a;
  std::string local_timestamp;
  if (!read_string(o, "type", 64, a.type) || a.type.empty()) return bad;
  if (!read_string(o, "id", l.max_id_bytes, a.id) || !read_string(o, "serviceUrl", 2048, a.service_url) ||
      !read_string(o, "channelId", 64, a.channel_id) || !read_string(o, "text", l.max_text_bytes, a.text) ||
      !read_string(o, "name", 256, a.name) || !read_string(o, "locale", 64, a.locale) ||
      !read_string(o, "localTimestamp", 64, local_timestamp) || !read_account(o, "from", l, a.from) ||
      !read_account(o, "recipient", l, a.recipient)) {
    return bad;
  }
  const auto* conv = o.if_contains("conversation");
  if (conv == nullptr || !conv->is_object()) return bad;
  if (!read_string(conv->get_object(), "id", l.max_id_bytes, a.conversation_id) || a.conversation_id.empty()) return bad;
  if (a.service_url.empty()) return bad;
  if (const auto* v = o.if_contains("value"); v != nullptr && !v->is_null()) {
    if (json::serialize(*v).size() > l.max_value_bytes) return bad;
    a.value = *v;
  }
  if (const auto* m = o.if_contains("membersAdded"); m != nullptr && !m->is_null()) {
    if (!m->is_array() || m->get_array().size() > l.max_members) return bad;
    for (const auto& e : m->get_array()) {
      channel_account acc;
      if (!account_from(e, l, acc)) return bad;
      a.members_added.push_back(std::move(acc));
    }
  }
  a.utc_offset = utc_offset_of(local_timestamp);
  return a;
}

std::optional<assistant::incoming> to_incoming(const inbound_activity& a, bool logged_in) {
  assistant::incoming in;
  if (a.type == "message") {
    in.kind = assistant::activity_kind::message;
  } else if (a.type == "conversationUpdate") {
    in.kind = assistant::activity_kind::conversation_update;
    for (const auto& m : a.members_added) {
      // The user joined when someone other than the bot itself was added.
      if (!m.id.empty() && m.id != a.recipient.id) in.user_joined = true;
    }
  } else if (a.type == "event") {
    in.kind = assistant::activity_kind::event;
  } else {
    return std::nullopt;
  }
  in.text = a.text;
  in.value = a.value;
  in.name = a.name;
  in.locale = a.locale;
  in.utc_offset = a.utc_offset;
  in.user_id = a.from.id;
  in.conversation_id = a.conversation_id;
  in.logged_in = logged_in;
  return in;
}

json::object reply_activity(const assistant::reply& r, std::string_view user_id, std::string_view locale) {
  json::object o;
  o["type"] = "message";
  o["text"] = r.text;
  o["textFormat"] = "markdown";
  if (!locale.empty()) o["locale"] = locale;
  if (!r.suggested_actions.empty()) {
    json::array actions;
    for (const auto& b : r.suggested_actions) {
      json::object act;
      act["type"] = b.kind == assistant::button_kind::im_back ? "imBack" : "postBack";
      act["title"] = b.title;
      act["value"] = b.value;
      actions.push_back(std::move(act));
    }
    o["suggestedActions"] = json::object{{"to", json::array{json::string(user_id)}}, {"actions", std::move(actions)}};
  }
  switch (r.hint) {
    case assistant::input_hint::accepting_input: o["inputHint"] = "acceptingInput"; break;
    case assistant::input_hint::expecting_input: o["inputHint"] = "expectingInput"; break;
    case assistant::input_hint::ignoring_input: o["inputHint"] = "ignoringInput"; break;
    case assistant::input_hint::none: break;
  }
  if (r.expects_secret) o["channelData"] = json::object{{"parley", json::object{{"expectsSecret", true}}}};
  return o;
}

json::object typing_activity() { return json::object{{"type", "typing"}}; }

json::object end_of_conversation_activity() {
  return json::object{{"type", "endOfConversation"}, {"code", "completedSuccessfully"}};
}

}  // namespace parley::bot
