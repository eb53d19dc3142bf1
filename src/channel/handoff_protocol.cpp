#include "handoff_protocol.hpp"

#include <parley/channel/error.hpp>
#include <parley/channel/handoff.hpp>

namespace parley::channel {

namespace json = boost::json;

namespace {

constexpr std::size_t max_reason_bytes = 500;
constexpr std::size_t max_intent_bytes = 128;
constexpr std::size_t max_queue_bytes = 64;
constexpr std::size_t max_transcript_activities = 1000;

bool valid_queue(std::string_view q) noexcept {
  if (q.empty() || q.size() > max_queue_bytes) return false;
  for (const char c : q) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<handoff_context> fail(std::string* problem, std::string_view what) {
  if (problem != nullptr) *problem = std::string(what);
  return make_error_code(errc::bad_argument);
}

// A string member: absent/null -> empty; a string of at most `max` bytes; else false.
bool read_string(const json::object& o, std::string_view key, std::size_t max, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return true;
  if (!v->is_string() || v->get_string().size() > max) return false;
  out = std::string(v->get_string());
  return true;
}

}  // namespace

bool is_handoff_initiate(const json::object& activity) noexcept {
  const auto* type = activity.if_contains("type");
  const auto* name = activity.if_contains("name");
  return type != nullptr && *type == "event" && name != nullptr && name->is_string() &&
         name->get_string() == handoff_initiate_event;
}

result<handoff_context> parse_handoff_initiate(const json::object& activity, std::string* problem) {
  handoff_context c;
  if (const auto* v = activity.if_contains("value"); v != nullptr && !v->is_null()) {
    if (!v->is_object()) return fail(problem, "handoff.initiate: value must be an object");
    const auto& o = v->get_object();
    if (!read_string(o, "reason", max_reason_bytes, c.reason)) {
      return fail(problem, "handoff.initiate: value.reason must be a string of at most 500 bytes");
    }
    if (!read_string(o, "failedIntent", max_intent_bytes, c.failed_intent)) {
      return fail(problem, "handoff.initiate: value.failedIntent must be a string of at most 128 bytes");
    }
    std::string queue;
    bool ok = read_string(o, "queue", max_queue_bytes, queue);
    if (ok && queue.empty()) ok = read_string(o, "skill", max_queue_bytes, queue);
    if (!ok || (!queue.empty() && !valid_queue(queue))) {
      return fail(problem, "handoff.initiate: value.queue (or skill) must be 1..64 of [a-z0-9._-]");
    }
    c.queue = std::move(queue);
    if (const auto* p = o.if_contains("priority"); p != nullptr && !p->is_null()) {
      if (!p->is_int64() || p->get_int64() < 0 || p->get_int64() > 9) {
        return fail(problem, "handoff.initiate: value.priority must be an integer 0..9");
      }
      c.priority = static_cast<int>(p->get_int64());
    }
  }
  if (const auto* a = activity.if_contains("attachments"); a != nullptr && a->is_array()) {
    for (const auto& item : a->get_array()) {
      const auto& att = item.get_object();  // normalisation checked that every item is an object
      const auto* name = att.if_contains("name");
      if (name == nullptr || !name->is_string() || name->get_string() != "Transcript") continue;
      const auto* content = att.if_contains("content");
      const auto* list =
          content != nullptr && content->is_object() ? content->get_object().if_contains("activities") : nullptr;
      if (list == nullptr || !list->is_array() || list->get_array().size() > max_transcript_activities) {
        return fail(problem, "handoff.initiate: the Transcript attachment must be {activities:[...]} (at most 1000)");
      }
      for (const auto& act : list->get_array()) {
        if (!act.is_object()) return fail(problem, "handoff.initiate: transcript activities must be objects");
      }
      c.transcript_activities = list->get_array().size();
    }
  }
  return c;
}

json::object widget_handoff_activity(const widget_handoff& w) {
  json::object value{{"state", w.state}};
  if (!w.consultant.empty()) value["consultant"] = json::object{{"name", w.consultant}};
  if (w.position) value["position"] = static_cast<std::int64_t>(*w.position);
  if (w.estimated_wait_seconds) value["estimatedWaitSeconds"] = *w.estimated_wait_seconds;
  if (w.transferred) value["transferred"] = true;
  return json::object{{"type", "event"}, {"name", widget_handoff_event}, {"value", std::move(value)}};
}

bool valid_display_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == '@') return false;
  }
  // Not only spaces.
  return name.find_first_not_of(' ') != std::string_view::npos;
}

bool valid_intent_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace parley::channel
