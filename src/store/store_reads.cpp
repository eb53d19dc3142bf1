// encrypted_store: the reads. Each runs on the store's pool with a read session and opens what it
// returns; a record that does not open is errc::corrupt (activities: flagged, the rest still read;
// when the conversation's key itself fails, every activity is flagged) and reported
// (impl::integrity).
#include "store_impl.hpp"

#include <algorithm>

namespace parley::store {

using boost::asio::awaitable;

namespace {
constexpr std::size_t max_page = 1000;
constexpr std::size_t max_list_page = 500;
}  // namespace

awaitable<result<conversation>> encrypted_store::get_conversation(std::string tenant_id, std::string id) {
  return impl_->read<conversation>(
      [this, tenant_id = std::move(tenant_id), id = std::move(id)](session& s) -> result<conversation> {
        auto c = impl_->open_conversation(s, tenant_id, id);
        if (!c) return c.error();
        return impl_->to_conversation(c->row, *c->key);
      });
}

awaitable<result<conversation_page>> encrypted_store::list_conversations(std::string tenant_id,
                                                                         conversation_filter filter) {
  return impl_->read<conversation_page>(
      [this, tenant_id = std::move(tenant_id), filter = std::move(filter)](session& s) -> result<conversation_page> {
        if (!detail::valid_id(tenant_id)) return conversation_page{};
        conversation_query q;
        q.tenant_id = tenant_id;
        q.state = filter.state;
        if (filter.active_since) q.active_since = detail::to_nanos(*filter.active_since);
        if (filter.cursor) {
          q.after = detail::decode_cursor(*filter.cursor);
          if (!q.after) return errc::invalid_argument;
        }
        const auto limit = std::clamp<std::size_t>(filter.limit, 1, max_list_page);
        q.limit = limit + 1;
        auto rows = s.list_conversations(q);
        if (!rows) return rows.error();
        conversation_page page;
        const bool more = rows->size() > limit;
        if (more) rows->resize(limit);
        for (const auto& row : *rows) {
          // A conversation whose key is gone or whose user id does not open is left out of the
          // listing (and logged); the others are listed.
          auto key = impl_->key_of(s, row);
          if (!key) {
            impl_->log->warn("tenant {} conversation {}: not listed: {}", row.tenant_id, row.id, key.error().message());
            continue;
          }
          auto c = impl_->to_conversation(row, **key);
          if (c) page.conversations.push_back(std::move(*c));
        }
        if (more && !rows->empty())
          page.next_cursor = detail::encode_cursor(rows->back().last_activity, rows->back().id);
        return page;
      });
}

awaitable<result<activity_page>> encrypted_store::read_activities(std::string tenant_id, std::string conversation_id,
                                                                  std::uint64_t after, std::size_t limit) {
  return impl_->read<activity_page>([this, tenant_id = std::move(tenant_id),
                                     conversation_id = std::move(conversation_id), after,
                                     limit](session& s) -> result<activity_page> {
    if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) return errc::not_found;
    auto conv = s.get_conversation(tenant_id, conversation_id);
    if (!conv) return conv.error();
    if (!*conv) return errc::not_found;
    // A key that fails its integrity check hides nothing: every record is reported in its place.
    auto key = impl_->key_of(s, **conv);
    if (!key && key.error() != errc::corrupt) return key.error();
    const crypto::aead_key* k = key ? key->get() : nullptr;
    const auto n = std::clamp<std::size_t>(limit, 1, max_page);
    auto rows = s.read_activities((*conv)->pk, after, n + 1);
    if (!rows) return rows.error();
    activity_page page;
    page.last_seq = after;
    page.more = rows->size() > n;
    if (page.more) rows->resize(n);
    page.activities.reserve(rows->size());
    for (const auto& row : *rows) {
      page.activities.push_back(impl_->to_record(**conv, k, row));
      page.last_seq = row.seq;
    }
    return page;
  });
}

awaitable<result<activity_record>> encrypted_store::get_activity(std::string tenant_id, std::string conversation_id,
                                                                 std::string activity_id) {
  return impl_->read<activity_record>([this, tenant_id = std::move(tenant_id),
                                       conversation_id = std::move(conversation_id),
                                       activity_id = std::move(activity_id)](session& s) -> result<activity_record> {
    if (!detail::valid_token(activity_id, 256)) return errc::not_found;
    if (!detail::valid_id(tenant_id) || !detail::valid_id(conversation_id)) return errc::not_found;
    auto conv = s.get_conversation(tenant_id, conversation_id);
    if (!conv) return conv.error();
    if (!*conv) return errc::not_found;
    auto key = impl_->key_of(s, **conv);
    if (!key && key.error() != errc::corrupt) return key.error();
    auto row = s.find_activity((*conv)->pk, activity_id);
    if (!row) return row.error();
    if (!*row) return errc::not_found;
    return impl_->to_record(**conv, key ? key->get() : nullptr, **row);
  });
}

awaitable<result<std::optional<bot_state>>> encrypted_store::get_bot_state(std::string tenant_id,
                                                                           std::string conversation_id) {
  using out = std::optional<bot_state>;
  // A turn reads the state it wrote last time: served from memory, no trip to the pool.
  if (auto hit = impl_->cached_bot_state(tenant_id, conversation_id)) co_return out{std::move(*hit)};
  // A named function, not a temporary in the co_await expression (GCC 12, PR 99576).
  std::function<result<out>(session&)> work = [this, tenant_id = std::move(tenant_id),
                                               conversation_id =
                                                   std::move(conversation_id)](session& s) -> result<out> {
    auto c = impl_->open_conversation(s, tenant_id, conversation_id);
    if (!c) return c.error();
    auto row = s.get_bot_state(c->row.pk);
    if (!row) return row.error();
    if (!*row) return out{};
    const detail::record_place place{
        detail::record_kind::bot_state_padded, tenant_id, conversation_id, 0, (*row)->etag, c->row.key_version, {}};
    auto data = detail::open_padded(*c->key, place, (*row)->data);
    if (!data) {
      impl_->integrity({tenant_id, conversation_id, "bot_state", 0, {}, false});
      return errc::corrupt;
    }
    impl_->states.fill(tenant_id, conversation_id,
                       {(*row)->etag, std::move((*row)->data), c->row.key_id, c->row.key_version, 0});
    return out{bot_state{std::move(*data), (*row)->etag}};
  };
  co_return co_await impl_->read<out>(std::move(work));
}

awaitable<result<attachment>> encrypted_store::get_attachment(std::string tenant_id, std::string conversation_id,
                                                              std::string attachment_id) {
  return impl_->read<attachment>([this, tenant_id = std::move(tenant_id), conversation_id = std::move(conversation_id),
                                  attachment_id = std::move(attachment_id)](session& s) -> result<attachment> {
    if (!detail::valid_token(attachment_id, 64)) return errc::not_found;
    auto c = impl_->open_conversation(s, tenant_id, conversation_id);
    if (!c) return c.error();
    auto row = s.get_attachment(c->row.pk, attachment_id);
    if (!row) return row.error();
    if (!*row) return errc::not_found;
    const auto v = c->row.key_version;
    const detail::record_place meta_place{
        detail::record_kind::attachment_meta, tenant_id, conversation_id, 0, attachment_id, v, {}};
    const detail::record_place content_place{
        detail::record_kind::attachment_content, tenant_id, conversation_id, 0, attachment_id, v, {}};
    auto meta = detail::open_padded(*c->key, meta_place, (*row)->meta);
    auto fields = meta ? detail::decode_attachment(*meta) : result<detail::attachment_fields>(meta.error());
    auto content = detail::open_padded(*c->key, content_place, (*row)->content);
    if (!fields || !content || content->size() != fields->size) {
      impl_->integrity({tenant_id, conversation_id, "attachment", 0, attachment_id, false});
      return errc::corrupt;
    }
    return attachment{std::move(fields->content_type), std::move(fields->name), std::move(*content)};
  });
}

awaitable<result<void>> encrypted_store::reclaim() {
  auto on_exception = [log = impl_->log](std::exception_ptr) -> result<void> {
    log->error("store: unexpected exception while reclaiming");
    return make_error_code(errc::unavailable);
  };
  return detail::offload<void>(
      impl_->pool, [this]() -> result<void> { return impl_->db->reclaim(); }, on_exception);
}

awaitable<result<std::vector<std::string>>> encrypted_store::list_tenants() {
  return impl_->read<std::vector<std::string>>(
      [](session& s) -> result<std::vector<std::string>> { return s.list_tenants(); });
}

}  // namespace parley::store
