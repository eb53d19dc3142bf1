#include "conversations.hpp"

#include "stream_hub.hpp"

#include <parley/channel/error.hpp>

#include <boost/json/serialize.hpp>

namespace parley::channel {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

constexpr std::string_view id_prefix = R"({"id":)";

std::string insert_id(std::string_view body, std::string_view id) {
  if (body.starts_with(id_prefix)) return std::string(body);
  std::string out;
  out.reserve(body.size() + id.size() + 12);
  out += id_prefix;
  out += json::serialize(json::string_view(id.data(), id.size()));
  if (body.size() > 2) out += ',';
  out.append(body.substr(1));
  return out;
}

}  // namespace

error_code from_store(const error_code& ec) {
  if (ec == store::errc::not_found || ec == store::errc::erased) return make_error_code(errc::not_found);
  if (ec == store::errc::unavailable) return make_error_code(errc::store_unavailable);
  if (ec == store::errc::too_large) return make_error_code(errc::too_large);
  if (ec == store::errc::corrupt) return make_error_code(errc::integrity_failure);
  return make_error_code(errc::internal);
}

std::string integrity_marker(std::string_view conversation_id, std::uint64_t seq,
                             std::chrono::system_clock::time_point when) {
  const json::object marker{
      {"type", "message"},
      {"id", activity_id(conversation_id, seq)},
      {"timestamp", iso_timestamp(when)},
      {"channelId", "directline"},
      {"conversation", json::object{{"id", conversation_id}}},
      {"from", json::object{{"id", "parley"}, {"name", "Parley"}, {"role", "channel"}}},
      {"textFormat", "plain"},
      {"text", "This message (number " + std::to_string(seq) +
                   ") cannot be shown: it failed its integrity check. The service's operators have been told."},
      {"channelData",
       json::object{{"parley", json::object{{"integrity", json::object{{"status", "failed"}, {"seq", seq}}}}}}}};
  return json::serialize(marker);
}

std::string with_id(std::string_view conversation_id, const store::activity_record& r) {
  return insert_id(r.body, activity_id(conversation_id, r.seq));
}

conversation_service::conversation_service(store::conversation_store& store, appended_fn on_appended,
                                           const core::clock& clock, core::random_source& rng)
    : store_(store), on_appended_(std::move(on_appended)), clock_(clock), rng_(rng) {}

awaitable<result<bool>> conversation_service::ensure(const conversation_ref& ref, std::string bot_id,
                                                     std::string user_id) {
  // result<bool> cannot be built from an error_code implicitly (bool is constructible from one).
  const auto fail = [](const error_code& ec) { return result<bool>(boost::system::in_place_error, from_store(ec)); };
  auto existing = co_await store_.get_conversation(ref.tenant_id, ref.conversation_id);
  if (existing) co_return false;
  if (existing.error() != store::errc::not_found) co_return fail(existing.error());
  auto tenant = co_await store_.ensure_tenant(ref.tenant_id);
  if (!tenant) co_return fail(tenant.error());
  auto created =
      co_await store_.create_conversation(ref.tenant_id, ref.conversation_id, std::move(bot_id), std::move(user_id));
  if (created) co_return true;
  // Two starts raced (a client retrying): the other one created it.
  if (created.error() == store::errc::already_exists) co_return false;
  co_return fail(created.error());
}

awaitable<result<store::conversation>> conversation_service::get(const conversation_ref& ref) {
  auto c = co_await store_.get_conversation(ref.tenant_id, ref.conversation_id);
  if (!c) co_return from_store(c.error());
  co_return std::move(*c);
}

awaitable<result<appended_activity>> conversation_service::append(const conversation_ref& ref, activity_append a) {
  appended_activity out;
  out.type = a.record_type ? *a.record_type : std::string(a.activity.at("type").as_string());
  // Named locals as co_await arguments (see channel.cpp: GCC PR 99576).
  std::string key = stream_hub::key(ref.tenant_id, ref.conversation_id);
  auto guard = co_await locks_.lock(std::move(key));
  const auto ts = guard.next_timestamp(clock_.now());
  a.activity["timestamp"] = iso_timestamp(ts);
  std::string stored;
  if (a.version_of_id) {
    // A new version keeps its id, as first member (see with_id()).
    json::object versioned;
    versioned.reserve(a.activity.size() + 1);
    versioned["id"] = *a.version_of_id;
    for (auto& [k, v] : a.activity) {
      if (k != "id") versioned[k] = std::move(v);
    }
    stored = json::serialize(versioned);
  } else {
    stored = json::serialize(a.activity);
  }
  if (a.max_bytes > 0) {
    // `,"id":"<conversation>|<20 digits>"` will be inserted (insert_id) once the store gives the sequence.
    const std::size_t id_bytes = a.version_of_id ? 0 : 8 + ref.conversation_id.size() + 1 + 20;
    if (stored.size() + id_bytes > a.max_bytes) co_return make_error_code(errc::too_large);
  }
  store::new_activity rec;
  rec.activity_id = a.version_of_store_id.value_or(core::random_id(rng_, "a_", 12));
  rec.timestamp = ts;
  rec.type = out.type;
  rec.sender_role = std::move(a.sender_role);
  rec.body = stored;
  rec.idempotency_key = std::move(a.idempotency_key);
  auto r = co_await store_.append_activity(ref.tenant_id, ref.conversation_id, std::move(rec));
  if (!r) co_return from_store(r.error());
  out.seq = r->seq;
  out.id = a.version_of_id.value_or(activity_id(ref.conversation_id, r->seq));
  out.duplicate = r->duplicate;
  if (out.duplicate) co_return out;
  out.body = insert_id(stored, out.id);
  // Under the lock: this process's streams get the conversation's activities in seq order.
  if (on_appended_) on_appended_({ref.tenant_id, ref.conversation_id, out.seq, out.type, out.body});
  co_return out;
}

awaitable<result<client_page>> conversation_service::poll(const conversation_ref& ref, std::uint64_t after,
                                                          std::size_t max_count, std::size_t max_bytes) {
  client_page page;
  page.watermark = after;
  std::size_t bytes = 0;
  while (page.bodies.size() < max_count) {
    auto p = co_await store_.read_activities(ref.tenant_id, ref.conversation_id, page.watermark,
                                             std::min<std::size_t>(max_count, 100));
    if (!p) co_return from_store(p.error());
    for (const auto& r : p->activities) {
      // A record that fails its integrity check is shown as a marker, never skipped: the
      // watermark moves past it only together with what tells the reader it is missing.
      if (r.corrupt || delivered_by_polling(r.type)) {
        std::string body =
            r.corrupt ? integrity_marker(ref.conversation_id, r.seq, clock_.now()) : with_id(ref.conversation_id, r);
        if (!page.bodies.empty() && (bytes + body.size() > max_bytes || page.bodies.size() == max_count)) {
          co_return page;
        }
        bytes += body.size();
        page.bodies.push_back(std::move(body));
      }
      page.watermark = r.seq;
    }
    if (!p->more) break;
  }
  co_return page;
}

awaitable<result<store::activity_page>> conversation_service::read(const conversation_ref& ref, std::uint64_t after,
                                                                   std::size_t limit) {
  auto p = co_await store_.read_activities(ref.tenant_id, ref.conversation_id, after, limit);
  if (!p) co_return from_store(p.error());
  for (auto& r : p->activities) {
    if (r.corrupt) {
      r.body = integrity_marker(ref.conversation_id, r.seq, clock_.now());
      r.type = "message";
    } else {
      r.body = with_id(ref.conversation_id, r);
    }
  }
  co_return std::move(*p);
}

awaitable<result<store::activity_record>> conversation_service::find(const conversation_ref& ref, std::string_view id) {
  const auto seq = activity_seq(ref.conversation_id, id);
  if (!seq) co_return make_error_code(errc::not_found);
  auto p = co_await store_.read_activities(ref.tenant_id, ref.conversation_id, *seq - 1, 1);
  if (!p) co_return from_store(p.error());
  if (p->activities.empty() || p->activities.front().seq != *seq) co_return make_error_code(errc::not_found);
  if (p->activities.front().corrupt) co_return make_error_code(errc::integrity_failure);
  auto newest = co_await store_.get_activity(ref.tenant_id, ref.conversation_id, p->activities.front().activity_id);
  if (!newest) co_return from_store(newest.error());
  if (newest->corrupt) co_return make_error_code(errc::integrity_failure);
  co_return std::move(*newest);
}

}  // namespace parley::channel
