#include <parley/core/random.hpp>
#include <parley/store/testing/memory_store.hpp>

#include <algorithm>
#include <set>

namespace parley::store::testing {

namespace {
using boost::asio::awaitable;

struct conv_data {
  conversation meta;
  std::vector<activity_record> log;
  std::map<std::string, append_result> idempotency;
  std::optional<bot_state> state;
  std::map<std::string, attachment> files;
};
}  // namespace

struct memory_store::state {
  std::mutex mutex;
  std::set<std::string> tenants;
  std::map<std::pair<std::string, std::string>, conv_data> convs;  // (tenant, id)
  std::uint64_t etag_counter = 0;

  conv_data* find(const std::string& tenant, const std::string& id) {
    auto it = convs.find({tenant, id});
    return it == convs.end() ? nullptr : &it->second;
  }
};

memory_store::memory_store() : s_(std::make_unique<state>()) {}
memory_store::~memory_store() = default;

awaitable<result<void>> memory_store::ensure_tenant(std::string tenant_id) {
  std::lock_guard lock(s_->mutex);
  s_->tenants.insert(tenant_id);
  co_return result<void>{};
}

awaitable<result<conversation>> memory_store::create_conversation(std::string tenant_id, std::string id,
                                                                  std::string bot_id, std::string user_id) {
  std::lock_guard lock(s_->mutex);
  if (!s_->tenants.contains(tenant_id)) co_return make_error_code(errc::not_found);
  if (s_->find(tenant_id, id)) co_return make_error_code(errc::already_exists);
  conv_data d;
  d.meta = {id,
            tenant_id,
            bot_id,
            user_id,
            std::chrono::system_clock::now(),
            std::chrono::system_clock::now(),
            conversation_state::with_bot,
            0};
  auto meta = d.meta;
  s_->convs.emplace(std::pair{tenant_id, id}, std::move(d));
  co_return meta;
}

awaitable<result<conversation>> memory_store::get_conversation(std::string tenant_id, std::string id) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, id);
  if (!d) co_return make_error_code(errc::not_found);
  co_return d->meta;
}

awaitable<result<conversation_page>> memory_store::list_conversations(std::string tenant_id,
                                                                      conversation_filter filter) {
  std::lock_guard lock(s_->mutex);
  std::vector<conversation> all;
  for (auto& [key, d] : s_->convs) {
    if (key.first != tenant_id) continue;
    if (filter.state && d.meta.state != *filter.state) continue;
    if (filter.active_since && d.meta.last_activity < *filter.active_since) continue;
    all.push_back(d.meta);
  }
  std::sort(all.begin(), all.end(), [](const conversation& a, const conversation& b) {
    return a.last_activity != b.last_activity ? a.last_activity > b.last_activity : a.id < b.id;
  });
  std::size_t start = 0;
  if (filter.cursor) start = static_cast<std::size_t>(std::stoull(*filter.cursor));
  conversation_page page;
  for (std::size_t i = start; i < all.size() && page.conversations.size() < filter.limit; ++i) {
    page.conversations.push_back(all[i]);
  }
  if (start + page.conversations.size() < all.size()) page.next_cursor = std::to_string(start + filter.limit);
  co_return page;
}

awaitable<result<void>> memory_store::set_conversation_state(std::string tenant_id, std::string id,
                                                             conversation_state st) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, id);
  if (!d) co_return make_error_code(errc::not_found);
  d->meta.state = st;
  co_return result<void>{};
}

awaitable<result<append_result>> memory_store::append_activity(std::string tenant_id, std::string conversation_id,
                                                               new_activity a) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  if (a.idempotency_key) {
    if (auto it = d->idempotency.find(*a.idempotency_key); it != d->idempotency.end()) {
      auto r = it->second;
      r.duplicate = true;
      co_return r;
    }
  }
  activity_record rec{d->meta.last_seq + 1, a.activity_id, a.timestamp, a.type, a.sender_role, a.body, false};
  d->log.push_back(rec);
  d->meta.last_seq = rec.seq;
  d->meta.last_activity = std::max(d->meta.last_activity, a.timestamp);
  append_result r{rec.seq, rec.activity_id, false};
  if (a.idempotency_key) d->idempotency.emplace(*a.idempotency_key, r);
  co_return r;
}

awaitable<result<activity_page>> memory_store::read_activities(std::string tenant_id, std::string conversation_id,
                                                               std::uint64_t after, std::size_t limit) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  activity_page page;
  page.last_seq = after;
  for (const auto& rec : d->log) {
    if (rec.seq <= after) continue;
    if (page.activities.size() == limit) {
      page.more = true;
      break;
    }
    page.activities.push_back(rec);
    page.last_seq = rec.seq;
  }
  co_return page;
}

bool memory_store::corrupt(const std::string& tenant_id, const std::string& conversation_id, std::uint64_t seq) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) return false;
  for (auto& rec : d->log) {
    if (rec.seq != seq) continue;
    rec = activity_record{rec.seq, rec.activity_id, {}, {}, {}, {}, true};
    return true;
  }
  return false;
}

awaitable<result<activity_record>> memory_store::get_activity(std::string tenant_id, std::string conversation_id,
                                                              std::string activity_id) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  for (auto it = d->log.rbegin(); it != d->log.rend(); ++it) {
    if (it->activity_id == activity_id) co_return *it;
  }
  co_return make_error_code(errc::not_found);
}

awaitable<result<std::optional<bot_state>>> memory_store::get_bot_state(std::string tenant_id,
                                                                        std::string conversation_id) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  co_return d->state;
}

awaitable<result<std::string>> memory_store::put_bot_state(std::string tenant_id, std::string conversation_id,
                                                           std::string data, std::optional<std::string> expected) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  const bool matches = d->state ? (expected && *expected == d->state->etag) : !expected;
  if (!matches) co_return make_error_code(errc::etag_mismatch);
  std::string etag = "m" + std::to_string(++s_->etag_counter);
  d->state = bot_state{std::move(data), etag};
  co_return etag;
}

awaitable<result<std::string>> memory_store::put_attachment(std::string tenant_id, std::string conversation_id,
                                                            attachment file) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  std::string id = core::random_id(core::os_random(), "att_", 16);
  d->files.emplace(id, std::move(file));
  co_return id;
}

awaitable<result<attachment>> memory_store::get_attachment(std::string tenant_id, std::string conversation_id,
                                                           std::string attachment_id) {
  std::lock_guard lock(s_->mutex);
  auto* d = s_->find(tenant_id, conversation_id);
  if (!d) co_return make_error_code(errc::not_found);
  auto it = d->files.find(attachment_id);
  if (it == d->files.end()) co_return make_error_code(errc::not_found);
  co_return it->second;
}

awaitable<result<void>> memory_store::erase_conversation(std::string tenant_id, std::string conversation_id) {
  std::lock_guard lock(s_->mutex);
  if (s_->convs.erase({tenant_id, conversation_id}) == 0) co_return make_error_code(errc::not_found);
  co_return result<void>{};
}

awaitable<result<std::size_t>> memory_store::erase_user(std::string tenant_id, std::string user_id) {
  std::lock_guard lock(s_->mutex);
  std::size_t n = 0;
  for (auto it = s_->convs.begin(); it != s_->convs.end();) {
    if (it->first.first == tenant_id && it->second.meta.user_id == user_id) {
      it = s_->convs.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  co_return n;
}

awaitable<result<std::size_t>> memory_store::purge(std::string tenant_id, time_point older_than) {
  std::lock_guard lock(s_->mutex);
  std::size_t n = 0;
  for (auto it = s_->convs.begin(); it != s_->convs.end();) {
    if (it->first.first == tenant_id && it->second.meta.last_activity < older_than) {
      it = s_->convs.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  co_return n;
}

}  // namespace parley::store::testing
