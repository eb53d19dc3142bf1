#include "activity_guard.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace parley::channel {
namespace {

namespace json = boost::json;
using guard::credential_kind;

// Members of the activity itself that the channel sets, checks or overwrites.
constexpr std::array<std::string_view, 17> channel_members{
    "type",       "id",           "timestamp", "localTimestamp", "localTimezone", "channelId",
    "serviceUrl", "conversation", "recipient", "locale",         "textFormat",    "inputHint",
    "replyToId",  "deliveryMode", "callerId",  "from",           "text"};
constexpr std::array<std::string_view, 3> attachment_members{"contentType", "contentUrl", "thumbnailUrl"};
constexpr std::array<std::string_view, 3> channel_data_members{"clientActivityID", "clientTimestamp", "parley"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class walker {
 public:
  explicit walker(bool awaits_code) { mode_.awaits_code = awaits_code; }

  void note(const std::vector<credential_kind>& kinds) {
    for (auto k : kinds) {
      if (std::find(found_.begin(), found_.end(), k) == found_.end()) found_.push_back(k);
    }
  }

  // Masks one string in place. A bare code outside `text` is masked, not delivered as typed: only a
  // message's text answers the login's prompt.
  void string(json::string& s) {
    if (mode_.awaits_code && guard::is_bare_code(std::string_view(s))) {
      note({credential_kind::one_time_code});
      s = "[hidden]";
      return;
    }
    auto g = guard::guard_credentials(std::string_view(s), mode_);
    if (!g.changed()) return;
    note(g.found);
    s = g.masked;
  }

  void value(json::value& v) {
    if (auto* s = v.if_string()) {
      string(*s);
    } else if (auto* a = v.if_array()) {
      for (auto& item : *a) value(item);
    } else if (auto* o = v.if_object()) {
      object(*o, {});
    }
  }

  // Guards the members of `o` (their names too) except those in `skip`.
  template <std::size_t N = 0>
  void object(json::object& o, const std::array<std::string_view, N>& skip) {
    bool renamed = false;
    for (auto& member : o) {
      if (one_of(skip, member.key())) continue;
      value(member.value());
      if (guard::guard_credentials(member.key(), mode_).changed()) renamed = true;
    }
    if (renamed) rename_members(o, skip);
  }

  std::vector<credential_kind> take() { return std::move(found_); }

 private:
  // Rebuilds `o` with masked member names; a name that becomes a duplicate gets "#2", "#3"...
  template <std::size_t N>
  void rename_members(json::object& o, const std::array<std::string_view, N>& skip) {
    json::object out(o.storage());
    out.reserve(o.size());
    for (auto& member : o) {
      std::string name(member.key());
      if (!one_of(skip, member.key())) {
        auto g = guard::guard_credentials(name, mode_);
        if (g.changed()) {
          note(g.found);
          name = std::move(g.masked);
        }
      }
      std::string unique = name;
      for (int n = 2; out.contains(unique); ++n) unique = name + "#" + std::to_string(n);
      out.emplace(unique, std::move(member.value()));
    }
    o = std::move(out);
  }

  guard::guard_mode mode_;
  std::vector<credential_kind> found_;
};

}  // namespace

activity_guard_result guard_client_activity(json::object& activity, guard::guard_mode mode) {
  activity_guard_result result;
  walker w(mode.awaits_code);
  // The text of a message answers the bot's last prompt: the mode applies whole.
  if (auto* text = activity.if_contains("text"); text && text->is_string()) {
    const bool message = activity.contains("type") && activity.at("type") == "message";
    auto g = guard::guard_credentials(std::string_view(text->get_string()),
                                      message ? mode : guard::guard_mode{false, mode.awaits_code});
    if (g.changed()) {
      if (g.expected()) result.typed_text = std::string(text->get_string());
      w.note(g.found);
      *text = g.masked;
    }
  }
  if (auto* from = activity.if_contains("from"); from && from->is_object()) {
    if (auto* name = from->get_object().if_contains("name"); name && name->is_string()) w.string(name->get_string());
  }
  for (auto& member : activity) {
    auto& v = member.value();
    if (member.key() == "attachments") {
      if (!v.is_array()) {
        w.value(v);
        continue;
      }
      for (auto& a : v.get_array()) {
        if (a.is_object()) {
          w.object(a.get_object(), attachment_members);
        } else {
          w.value(a);
        }
      }
    } else if (member.key() == "channelData") {
      if (v.is_object()) {
        w.object(v.get_object(), channel_data_members);
      } else {
        w.value(v);
      }
    }
  }
  std::array<std::string_view, channel_members.size() + 2> skip{};
  std::copy(channel_members.begin(), channel_members.end(), skip.begin());
  skip[channel_members.size()] = "attachments";
  skip[channel_members.size() + 1] = "channelData";
  w.object(activity, skip);
  result.found = w.take();
  if (!result.found.empty()) {
    json::array kinds;
    for (auto k : result.found) kinds.emplace_back(guard::to_string(k));
    auto& cd = activity["channelData"];
    if (!cd.is_object()) cd = json::object{};
    cd.get_object()["parley"] = json::object{{"masked", std::move(kinds)}};
  }
  return result;
}

}  // namespace parley::channel
