#include <parley/store/backend.hpp>
#include <parley/store/testing/memory_desk_store.hpp>

namespace parley::store::testing {

using boost::asio::awaitable;

awaitable<result<void>> memory_desk_store::create_desk_session(desk_session s) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  if (s.tenant_id.empty() || s.ref.empty() || s.subject_ref.empty()) co_return make_error_code(errc::invalid_argument);
  key k{s.tenant_id, s.ref};
  if (sessions_.count(k)) co_return make_error_code(errc::already_exists);
  sessions_.emplace(std::move(k), std::move(s));
  co_return result<void>{};
}

awaitable<result<desk_session>> memory_desk_store::get_desk_session(std::string tenant_id, std::string ref) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  auto it = sessions_.find({tenant_id, ref});
  if (it == sessions_.end()) co_return make_error_code(errc::not_found);
  co_return it->second;
}

awaitable<result<void>> memory_desk_store::touch_desk_session(std::string tenant_id, std::string ref,
                                                              time_point last_seen) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  auto it = sessions_.find({tenant_id, ref});
  if (it == sessions_.end()) co_return make_error_code(errc::not_found);
  it->second.last_seen = std::max(it->second.last_seen, last_seen);
  co_return result<void>{};
}

awaitable<result<bool>> memory_desk_store::claim_desk_session_refresh(std::string tenant_id, std::string ref,
                                                                      time_point expected, time_point next) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return bool_error(errc::unavailable);
  auto it = sessions_.find({tenant_id, ref});
  if (it == sessions_.end()) co_return bool_error(errc::not_found);
  if (it->second.refresh_due != expected) co_return false;
  it->second.refresh_due = next;
  co_return true;
}

awaitable<result<void>> memory_desk_store::update_desk_session(std::string tenant_id, std::string ref,
                                                               std::string data) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  auto it = sessions_.find({tenant_id, ref});
  if (it == sessions_.end()) co_return make_error_code(errc::not_found);
  it->second.data = std::move(data);
  co_return result<void>{};
}

awaitable<result<bool>> memory_desk_store::delete_desk_session(std::string tenant_id, std::string ref) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return bool_error(errc::unavailable);
  co_return sessions_.erase({tenant_id, ref}) > 0;
}

awaitable<result<std::vector<desk_session_key>>> memory_desk_store::delete_desk_sessions(std::string tenant_id,
                                                                                         std::string subject_ref,
                                                                                         std::string sid_ref) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  if (subject_ref.empty() && sid_ref.empty()) co_return make_error_code(errc::invalid_argument);
  std::vector<desk_session_key> out;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const auto& s = it->second;
    if (s.tenant_id == tenant_id && (subject_ref.empty() || s.subject_ref == subject_ref) &&
        (sid_ref.empty() || s.sid_ref == sid_ref)) {
      out.push_back({s.tenant_id, s.ref, s.subject_ref});
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  co_return out;
}

awaitable<result<std::vector<desk_session_key>>> memory_desk_store::purge_desk_sessions(std::string tenant_id,
                                                                                        time_point now,
                                                                                        time_point idle_cutoff) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  std::vector<desk_session_key> out;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const auto& s = it->second;
    if (s.tenant_id == tenant_id && (s.expires <= now || s.last_seen < idle_cutoff)) {
      out.push_back({s.tenant_id, s.ref, s.subject_ref});
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(logins_, [&](const auto& kv) { return kv.second.tenant_id == tenant_id && kv.second.expires <= now; });
  co_return out;
}

awaitable<result<void>> memory_desk_store::put_desk_login(desk_login login) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  key k{login.tenant_id, login.ref};
  if (logins_.count(k)) co_return make_error_code(errc::already_exists);
  logins_.emplace(std::move(k), std::move(login));
  co_return result<void>{};
}

awaitable<result<desk_login>> memory_desk_store::take_desk_login(std::string tenant_id, std::string ref) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  auto it = logins_.find({tenant_id, ref});
  if (it == logins_.end()) co_return make_error_code(errc::not_found);
  desk_login out = std::move(it->second);
  logins_.erase(it);
  co_return out;
}

awaitable<result<std::optional<desk_settings>>> memory_desk_store::get_desk_settings(std::string tenant_id) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  auto it = settings_.find(tenant_id);
  if (it == settings_.end()) co_return std::optional<desk_settings>{};
  co_return std::optional<desk_settings>{it->second};
}

awaitable<result<std::uint64_t>> memory_desk_store::put_desk_settings(std::string tenant_id, std::string data,
                                                                      std::optional<std::uint64_t> expected_version) {
  std::lock_guard lock(mutex_);
  if (fail_) co_return make_error_code(errc::unavailable);
  auto it = settings_.find(tenant_id);
  const std::optional<std::uint64_t> stored =
      it == settings_.end() ? std::nullopt : std::optional<std::uint64_t>(it->second.version);
  if (stored != expected_version) co_return make_error_code(errc::etag_mismatch);
  const std::uint64_t version = stored.value_or(0) + 1;
  settings_[tenant_id] = desk_settings{std::move(data), version};
  co_return version;
}

void memory_desk_store::fail(bool on) {
  std::lock_guard lock(mutex_);
  fail_ = on;
}

std::size_t memory_desk_store::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::size_t memory_desk_store::login_count() const {
  std::lock_guard lock(mutex_);
  return logins_.size();
}

}  // namespace parley::store::testing
