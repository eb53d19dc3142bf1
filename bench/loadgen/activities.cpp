#include "activities.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace loadgen {
namespace {

namespace json = boost::json;

std::string string_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_string()) return std::string(v->as_string());
  return {};
}

}  // namespace

bool take_activity_set(std::string_view text, std::string_view user_id, clock::time_point now,
                       std::vector<bot_message>& inbox, std::string& watermark) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return false;
  const auto& o = v.as_object();
  const auto* acts = o.if_contains("activities");
  if (!acts || !acts->is_array()) return false;
  if (const auto* wm = o.if_contains("watermark")) {
    if (wm->is_string() && !wm->as_string().empty()) watermark = std::string(wm->as_string());
    if (wm->is_int64()) watermark = std::to_string(wm->as_int64());  // the peer's is a number
  }
  for (const auto& a : acts->as_array()) {
    if (!a.is_object()) continue;
    const auto& act = a.as_object();
    if (string_at(act, "type") != "message") continue;
    const auto* from = act.if_contains("from");
    if (from && from->is_object() && string_at(from->as_object(), "id") == user_id) continue;  // our echo
    inbox.push_back({now, string_at(act, "replyToId"), string_at(act, "text")});
  }
  return true;
}

std::optional<reply> find_reply(const std::vector<bot_message>& inbox, std::string_view activity_id,
                                std::string_view text) {
  for (const auto& m : inbox) {
    if (m.reply_to.empty() ? m.text != text : m.reply_to != activity_id) continue;
    return reply{m.at, m.text == text};
  }
  return std::nullopt;
}

}  // namespace loadgen
