#include "activity.hpp"

#include <parley/channel/error.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>

namespace parley::channel {
namespace {

namespace json = boost::json;

constexpr std::size_t max_type_chars = 64;
constexpr std::size_t max_name_chars = 256;

// Types a Direct Line client may post. Everything else (conversationUpdate, installationUpdate,
// handoff, trace, invokeResponse...) is produced only by a channel or a bot.
constexpr std::array<std::string_view, 6> client_types = {"message", "typing", "event", "invoke", "endOfConversation",
                                                          "messageReaction"};

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && iequals_prefix(a, b); }

// Activities whose content the bot trusts because it believes a channel produced them: OAuthPrompt
// takes a `tokens/response` event's value as the user's token, `signin/*` invokes complete a
// sign-in, handoff events move the conversation to a person; `parley.handoff` is what the channel
// tells the widget about a handoff (a client's copy would mislead the desk's transcript).
bool reserved_name(std::string_view type, std::string_view name) {
  if (type == "event" &&
      (iequals(name, "tokens/response") || iequals_prefix(name, "handoff") || iequals_prefix(name, "parley.handoff"))) {
    return true;
  }
  if (type == "invoke" && (iequals_prefix(name, "signin/") || iequals_prefix(name, "handoff"))) return true;
  return false;
}

const json::string* string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

result<std::string> checked_type(const json::object& o) {
  const auto* type = string_member(o, "type");
  if (!type || type->empty() || type->size() > max_type_chars) return make_error_code(errc::bad_argument);
  return std::string(*type);
}

// Shapes every activity the channel stores shares, whoever sent it.
error_code check_common_shapes(const json::object& o) {
  const auto bad = make_error_code(errc::bad_argument);
  if (const auto* a = o.if_contains("attachments")) {
    if (!a->is_array()) return bad;
    for (const auto& item : a->get_array()) {
      if (!item.is_object()) return bad;
    }
  }
  if (const auto* e = o.if_contains("entities"); e && !e->is_array()) return bad;
  if (const auto* t = o.if_contains("text"); t && !t->is_string() && !t->is_null()) return bad;
  if (const auto* n = o.if_contains("name"); n && !n->is_string()) return bad;
  if (const auto* n = o.if_contains("name"); n && n->get_string().size() > max_name_chars) return bad;
  return {};
}

void stamp(json::object& o, const activity_context& ctx) {
  o["channelId"] = "directline";
  o["conversation"] = json::object{{"id", ctx.conversation_id}};
  o["serviceUrl"] = ctx.service_url;
  o.erase("id");
  o.erase("timestamp");
  o.erase("callerId");
}

}  // namespace

json::object to_json(const account& a) {
  json::object o{{"id", a.id}};
  if (!a.name.empty()) o["name"] = a.name;
  if (!a.role.empty()) o["role"] = a.role;
  return o;
}

std::string activity_id(std::string_view conversation_id, std::uint64_t seq) {
  std::string digits = std::to_string(seq);
  if (digits.size() < 7) digits.insert(0, 7 - digits.size(), '0');
  std::string id;
  id.reserve(conversation_id.size() + 1 + digits.size());
  id.append(conversation_id).push_back('|');
  id.append(digits);
  return id;
}

std::optional<std::uint64_t> activity_seq(std::string_view conversation_id, std::string_view id) {
  if (id.size() <= conversation_id.size() + 1 || id.substr(0, conversation_id.size()) != conversation_id ||
      id[conversation_id.size()] != '|') {
    return std::nullopt;
  }
  const auto digits = id.substr(conversation_id.size() + 1);
  std::uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc{} || end != digits.data() + digits.size() || seq == 0) return std::nullopt;
  return seq;
}

std::string iso_timestamp(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(buf, n) + frac;
}

result<json::object> normalize_client_activity(const json::value& body, const activity_context& ctx) {
  if (!body.is_object()) return make_error_code(errc::bad_argument);
  json::object o = body.get_object();
  auto type = checked_type(o);
  if (!type) return type.error();
  if (std::find(client_types.begin(), client_types.end(), *type) == client_types.end()) {
    return make_error_code(errc::forbidden_activity);
  }
  if (auto ec = check_common_shapes(o)) return ec;
  if (const auto* name = string_member(o, "name"); name && reserved_name(*type, *name)) {
    return make_error_code(errc::forbidden_activity);
  }
  // The client's `from` is only a claim: its role must be "user", its id is replaced by the user
  // bound to the token (promise 3: no user can speak as another), and its display name is dropped
  // (a page could call itself "BankX Assistant" in a consultant's transcript): the only name is
  // the one the secret holder bound at tokens/generate.
  account from = ctx.user;
  if (const auto* f = o.if_contains("from")) {
    if (!f->is_object()) return make_error_code(errc::bad_argument);
    if (const auto* role = f->get_object().if_contains("role")) {
      if (!role->is_string() || !iequals(role->get_string(), "user")) return make_error_code(errc::forbidden_activity);
    }
  }
  from.role = "user";
  o["from"] = to_json(from);
  o["recipient"] = to_json(ctx.bot);
  stamp(o, ctx);
  // expectReplies would make the bot answer in the HTTP response, which Direct Line clients never see.
  o.erase("deliveryMode");
  return o;
}

std::optional<std::string> over_client_limits(const json::object& a, const client_activity_limits& l,
                                              std::optional<std::string_view> typed_text) {
  // The bot's fixed limits on short members (src/bot/activity.cpp parse_activity).
  constexpr std::size_t max_short = 64;
  const auto over = [](std::string_view member, std::size_t limit) {
    return std::string(member) + " over the limit of " + std::to_string(limit) + " bytes";
  };
  if (const auto* text = string_member(a, "text")) {
    if (text->size() > l.max_text_bytes || (typed_text && typed_text->size() > l.max_text_bytes)) {
      return over("text", l.max_text_bytes);
    }
  }
  if (const auto* v = a.if_contains("value"); v && !v->is_null()) {
    // Counted as the bot counts it: the serialised JSON (escapes included).
    if (json::serialize(*v).size() > l.max_value_bytes) return over("value", l.max_value_bytes);
  }
  for (const std::string_view member : {"locale", "localTimestamp"}) {
    const auto* m = a.if_contains(member);
    if (m && !m->is_null() && (!m->is_string() || m->get_string().size() > max_short)) return over(member, max_short);
  }
  return std::nullopt;
}

result<json::object> normalize_bot_activity(const json::value& body, const activity_context& ctx,
                                            std::optional<std::string_view> reply_to_id) {
  if (!body.is_object()) return make_error_code(errc::bad_argument);
  json::object o = body.get_object();
  auto type = checked_type(o);
  if (!type) return type.error();
  if (auto ec = check_common_shapes(o)) return ec;
  account bot = ctx.bot;
  bot.role = "bot";
  o["from"] = to_json(bot);
  o["recipient"] = to_json(ctx.user);
  stamp(o, ctx);
  if (reply_to_id) o["replyToId"] = *reply_to_id;
  return o;
}

json::object conversation_update(const activity_context& ctx) {
  json::object o;
  o["type"] = "conversationUpdate";
  o["membersAdded"] = json::array{to_json(ctx.bot), to_json(ctx.user)};
  o["from"] = to_json(ctx.user);
  o["recipient"] = to_json(ctx.bot);
  stamp(o, ctx);
  return o;
}

json::object end_of_conversation(const activity_context& ctx, std::string_view code) {
  json::object o;
  o["type"] = "endOfConversation";
  o["code"] = code;
  o["from"] = to_json(ctx.user);
  o["recipient"] = to_json(ctx.bot);
  stamp(o, ctx);
  return o;
}

json::object handoff_status(const activity_context& ctx, std::string_view state, std::string_view message,
                            std::string_view resume_intent) {
  json::object value{{"state", state}};
  if (!message.empty()) value["message"] = message;
  if (!resume_intent.empty()) value["resumeIntent"] = resume_intent;
  json::object o;
  o["type"] = "event";
  o["name"] = "handoff.status";
  o["value"] = std::move(value);
  o["from"] = to_json(ctx.user);
  o["recipient"] = to_json(ctx.bot);
  stamp(o, ctx);
  return o;
}

bool delivered_to_clients(std::string_view type) noexcept {
  // "handoff": the bot's handoff.initiate and the channel's handoff.status, stored under their
  // own record type because they are between the bot, the channel and the desk (ADR 0021).
  return type != "conversationUpdate" && type != handoff_record_type;
}

bool delivered_by_polling(std::string_view type) noexcept { return delivered_to_clients(type) && type != "typing"; }

std::string new_conversation_id(core::random_source& rng) { return core::random_id(rng, "c", 18); }

}  // namespace parley::channel
