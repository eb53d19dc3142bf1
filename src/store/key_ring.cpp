#include "key_ring.hpp"

#include "record_format.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <system_error>

namespace parley::store::detail {
namespace {

constexpr std::string_view pseudonym_key_id = "~pseudonym";
constexpr std::uint32_t pseudonym_key_version = 1;
constexpr std::size_t pseudonym_secret_size = 32;
// How often a read that raced a rotation in another store reads the rotated rows again.
constexpr int max_rotation_retries = 3;

// An exclusive advisory lock on "<secrets file>.lock" for as long as it lives, so that processes
// sharing the erasure-secrets file change it one at a time.
class file_lock {
 public:
  explicit file_lock(const std::filesystem::path& file) {
    const auto path = file.string() + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~file_lock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  [[nodiscard]] bool held() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

std::array<std::uint8_t, 4> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

crypto::wrapped_key to_wrapped(const tenant_key_row& r) {
  return {crypto::key_kind::tenant, r.tenant_id, r.tenant_id, r.version, r.parent_version, r.sealed};
}

crypto::wrapped_key to_wrapped(const data_key_row& r) {
  return {crypto::key_kind::data, r.tenant_id, r.key_id, r.version, r.parent_version, r.sealed, r.subject};
}

data_key_row to_row(const crypto::wrapped_key& w) {
  return {w.tenant_id, w.key_id, w.version, w.parent_version, w.sealed, w.subject};
}

std::tuple<std::uintmax_t, std::int64_t, std::uint64_t> stamp_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  return {static_cast<std::uintmax_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::uint64_t>(st.st_ino)};
}

constexpr std::string_view user_ref_label = "parley/v1/user-ref";

// What a failure to open a tenant key means for the store's callers.
error_code tenant_open_error(error_code e) {
  if (e == crypto::errc::key_destroyed) return errc::erased;
  if (e == crypto::errc::key_mismatch) return errc::wrong_root_key;
  if (e == crypto::errc::authentication_failed || e == crypto::errc::malformed ||
      e == crypto::errc::unsupported_format) {
    return errc::corrupt;
  }
  return errc::unavailable;
}

error_code create_error(error_code e) {
  if (e == crypto::errc::key_exhausted) return errc::limit_exceeded;
  return errc::unavailable;
}

std::string data_cache_key(std::string_view tenant, std::string_view key_id, std::uint32_t version) {
  std::string k(tenant);
  k.push_back('\0');
  k.append(key_id);
  k.push_back('\0');
  k.append(std::to_string(version));
  return k;
}

record_place pseudonym_place(std::string_view tenant) {
  return {record_kind::pseudonym_secret, tenant, {}, 0, {}, pseudonym_key_version, {}};
}

}  // namespace

key_ring::key_ring(crypto::root_key root, std::filesystem::path secrets_file, std::size_t cache_size,
                   core::random_source& rng, std::shared_ptr<spdlog::logger> log)
    : root_(std::make_shared<crypto::root_key>(std::move(root))),
      secrets_file_(std::move(secrets_file)),
      rng_(rng),
      log_(std::move(log)),
      cache_size_(cache_size == 0 ? 1 : cache_size) {}

std::uint32_t key_ring::root_version() const {
  std::shared_lock lock(keys_mutex_);
  return root_->version();
}

result<void> key_ring::verify_root(std::uint32_t stored_version, std::span<const std::uint8_t> stored_check) const {
  std::shared_lock lock(keys_mutex_);
  if (stored_version != root_->version()) return errc::wrong_root_key;
  if (!root_->verify(stored_check)) return errc::wrong_root_key;
  return {};
}

result<void> key_ring::record_root(session& s) const {
  std::shared_lock lock(keys_mutex_);
  const auto v = be32(root_->version());
  if (auto r = s.put_meta(meta_scope::keys, "root_key_version", v); !r) return r;
  return s.put_meta(meta_scope::keys, "root_key_check", root_->check_value());
}

result<void> key_ring::load_secrets(bool must_exist) {
  std::unique_lock lock(keys_mutex_);
  std::error_code ec;
  if (!std::filesystem::exists(secrets_file_, ec)) {
    if (must_exist) return crypto::errc::io_error;
    secrets_ = crypto::erasure_secrets{};
    return {};
  }
  const auto stamp = stamp_of(secrets_file_);
  auto loaded = crypto::erasure_secrets::load_file(secrets_file_);
  if (!loaded) return loaded.error();
  secrets_ = std::move(*loaded);
  std::lock_guard refresh(refresh_mutex_);
  file_stamp_ = stamp;
  return {};
}

result<void> key_ring::reload_secrets_locked() {
  std::error_code ec;
  if (!std::filesystem::exists(secrets_file_, ec)) return {};
  const auto stamp = stamp_of(secrets_file_);
  auto loaded = crypto::erasure_secrets::load_file(secrets_file_);
  if (!loaded) return loaded.error();
  secrets_ = std::move(*loaded);
  std::lock_guard refresh(refresh_mutex_);
  file_stamp_ = stamp;
  return {};
}

void key_ring::refresh_secrets() {
  {
    std::lock_guard refresh(refresh_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refresh_ < std::chrono::seconds(1)) return;
    last_refresh_ = now;
    if (stamp_of(secrets_file_) == file_stamp_) return;
  }
  std::unique_lock lock(keys_mutex_);
  file_lock flock(secrets_file_);
  if (!flock.held()) return;
  if (auto r = reload_secrets_locked(); !r) {
    log_->error("cannot reload the erasure secrets file after another process changed it: {}", r.error().message());
  }
}

result<void> key_ring::prepare_secrets(const crypto::installation_id& installation,
                                       std::span<const std::string> tenants) {
  std::unique_lock lock(keys_mutex_);
  file_lock flock(secrets_file_);
  if (!flock.held()) return crypto::errc::io_error;
  if (auto r = reload_secrets_locked(); !r) return r;
  bool changed = false;
  if (!secrets_.installation()) {
    secrets_.set_installation(installation);
    changed = true;
  } else if (*secrets_.installation() != installation) {
    log_->error(
        "the erasure secrets file {} belongs to another installation than this database; nothing was "
        "changed",
        secrets_file_.string());
    return errc::stale_erasure_secrets;
  }
  for (const auto& t : tenants) {
    if (secrets_.has_subjects(t)) continue;
    if (auto r = secrets_.create_subjects(t, rng_); !r) return r;
    changed = true;
  }
  if (!changed) return {};
  auto saved = secrets_.save_file(secrets_file_);
  std::lock_guard refresh(refresh_mutex_);
  file_stamp_ = stamp_of(secrets_file_);
  return saved;
}

// Runs fn(erasure_secrets&) -> result<bool changed> under the in-process and the cross-process
// lock, on the file's current content, and saves if fn changed something.
template <class Fn>
result<void> key_ring::change_secrets(Fn&& fn) {
  std::unique_lock lock(keys_mutex_);
  file_lock flock(secrets_file_);
  if (!flock.held()) return crypto::errc::io_error;
  if (auto r = reload_secrets_locked(); !r) return r;
  result<bool> changed = fn(secrets_);
  if (!changed) return changed.error();
  if (!*changed) return {};
  auto saved = secrets_.save_file(secrets_file_);
  std::lock_guard refresh(refresh_mutex_);
  file_stamp_ = stamp_of(secrets_file_);
  return saved;
}

result<std::size_t> key_ring::destroy_superseded_secrets(std::span<const tenant_key_row> current) {
  std::size_t destroyed = 0;
  auto r = change_secrets([&](crypto::erasure_secrets& secrets) -> result<bool> {
    for (const auto& row : current) {
      for (std::uint32_t v = 1; v < row.version; ++v) {
        if (secrets.destroy(row.tenant_id, v)) ++destroyed;
      }
    }
    return destroyed > 0;
  });
  if (!r) return r.error();
  return destroyed;
}

result<std::shared_ptr<crypto::tenant_key>> key_ring::open_tenant(const tenant_key_row& row) {
  const auto wrapped = to_wrapped(row);
  for (int attempt = 0; attempt < 2; ++attempt) {
    result<crypto::tenant_key> key = [&] {
      std::shared_lock lock(keys_mutex_);
      return crypto::open_tenant_key(*root_, secrets_, wrapped, row.uses);
    }();
    if (key) return std::make_shared<crypto::tenant_key>(std::move(*key));
    // Another process may have created this version since the file was read: read it again once.
    if (key.error() == crypto::errc::key_destroyed && attempt == 0) {
      std::unique_lock lock(keys_mutex_);
      file_lock flock(secrets_file_);
      if (flock.held() && reload_secrets_locked()) continue;
    }
    log_->error("tenant {} key version {} does not open: {}", row.tenant_id, row.version, key.error().message());
    return tenant_open_error(key.error());
  }
  return errc::erased;
}

result<void> key_ring::check_tenant_key(const tenant_key_row& row) {
  auto k = open_tenant(row);
  if (!k) return k.error();
  return {};
}

result<std::shared_ptr<crypto::tenant_key>> key_ring::tenant_key(session& s, std::string_view tenant_id,
                                                                 bool for_write) {
  if (!for_write) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = tenants_.find(tenant_id); it != tenants_.end()) return it->second;
  }
  // A rotation in another store may commit between reading the current row and opening it, and
  // destroy that version's erasure secret: read the current row again (bounded) before failing.
  std::uint32_t tried_version = 0;
  for (int attempt = 0;; ++attempt) {
    auto row = s.current_tenant_key(tenant_id, for_write ? key_lock::shared : key_lock::none);
    if (!row) return row.error();
    if (!*row) return errc::not_found;
    {
      std::lock_guard lock(cache_mutex_);
      if (auto it = tenants_.find(tenant_id); it != tenants_.end() && it->second->version() == (*row)->version) {
        return it->second;
      }
    }
    if (attempt > 0 && (*row)->version == tried_version) return errc::erased;  // not a race: it is gone
    tried_version = (*row)->version;
    auto key = open_tenant(**row);
    if (!key && key.error() == errc::erased && attempt < max_rotation_retries) continue;
    if (!key) return key.error();
    std::lock_guard lock(cache_mutex_);
    tenants_[std::string(tenant_id)] = *key;
    return *key;
  }
}

result<void> key_ring::create_tenant(session& s, std::string_view tenant_id) {
  {
    // Another process may have rotated the root key: never wrap under a retired one.
    auto stored = s.get_meta(meta_scope::keys, "root_key_version");
    if (!stored) return stored.error();
    const auto mine = be32(root_version());
    if (*stored && !std::equal((*stored)->begin(), (*stored)->end(), mine.begin(), mine.end())) {
      return errc::wrong_root_key;
    }
  }
  std::optional<crypto::new_tenant_key> created;
  auto r = change_secrets([&](crypto::erasure_secrets& secrets) -> result<bool> {
    std::uint32_t version = 1;
    while (secrets.contains(tenant_id, version)) ++version;  // never reuse a version (see header)
    auto k = crypto::create_tenant_key(*root_, secrets, tenant_id, version, rng_);
    if (!k) return result<bool>(boost::system::in_place_error, k.error());
    created.emplace(std::move(*k));
    if (!secrets.has_subjects(tenant_id)) {
      if (auto t = secrets.create_subjects(tenant_id, rng_); !t)
        return result<bool>(boost::system::in_place_error, t.error());
    }
    return true;
  });
  if (!r) {
    log_->error("tenant {}: cannot create its key: {}", tenant_id, r.error().message());
    return errc::unavailable;
  }
  const auto version = created->key.version();
  auto tk = std::make_shared<crypto::tenant_key>(std::move(created->key));
  tenant_key_row row{std::string(tenant_id), version, created->wrapped.parent_version, created->wrapped.sealed, 0};

  // The pseudonymisation secret, sealed under a data key of the tenant, so that tenant rotation
  // re-wraps it like any other data key.
  crypto::aead_options o;
  o.random = &rng_;
  auto dk = crypto::create_data_key(*tk, pseudonym_key_id, pseudonym_key_version, o, rng_);
  if (!dk) return create_error(dk.error());
  row.uses = tk->wraps();
  auto secret = crypto::random_secret(pseudonym_secret_size, rng_);
  if (!secret) return errc::unavailable;
  const auto ad = associated_data(pseudonym_place(tenant_id));
  auto sealed = dk->key.seal(secret->bytes(), crypto::as_bytes(ad));
  if (!sealed) return create_error(sealed.error());

  if (auto w = s.insert_tenant_key(row); !w) return w;
  if (auto w = s.insert_data_key(to_row(dk->wrapped)); !w) return w;
  if (auto w = s.put_tenant_secret(tenant_id, *sealed); !w) return w;
  // Cached only now; if the transaction rolls back, the cached key is never referenced by a row.
  std::lock_guard lock(cache_mutex_);
  tenants_[std::string(tenant_id)] = std::move(tk);
  return {};
}

void key_ring::cache_data_key(const std::string& cache_key, std::shared_ptr<crypto::aead_key> key) {
  std::lock_guard lock(cache_mutex_);
  if (auto it = data_keys_.find(cache_key); it != data_keys_.end()) {
    lru_.erase(it->second.second);
    data_keys_.erase(it);
  }
  lru_.push_front(cache_key);
  data_keys_.emplace(cache_key, std::pair{std::move(key), lru_.begin()});
  while (data_keys_.size() > cache_size_) {
    data_keys_.erase(lru_.back());
    lru_.pop_back();
  }
}

result<crypto::secure_buffer> key_ring::subject_secret(std::string_view tenant_id, std::uint64_t subject) {
  refresh_secrets();
  std::shared_lock lock(keys_mutex_);
  auto secret = secrets_.subject_secret(tenant_id, subject);
  if (!secret) {
    if (secret.error() == crypto::errc::key_destroyed || secret.error() == crypto::errc::invalid_argument) {
      return errc::erased;
    }
    return errc::unavailable;
  }
  return std::move(*secret);
}

result<key_ring::new_key> key_ring::create_data_key(session& s, std::string_view tenant_id, std::uint64_t subject,
                                                    std::span<const std::uint8_t> subject_secret) {
  auto tk = tenant_key(s, tenant_id, true);
  if (!tk) return tk.error();
  std::string key_id = core::random_id(rng_, "k", 12);
  crypto::aead_options o;
  o.random = &rng_;
  result<crypto::new_data_key> dk = crypto::errc::internal;
  if (subject == 0) {
    dk = crypto::create_data_key(**tk, key_id, 1, o, rng_);
  } else {
    dk = crypto::create_bound_data_key(**tk, key_id, 1, subject, subject_secret, o, rng_);
  }
  if (!dk) return create_error(dk.error());
  if (auto w = s.insert_data_key(to_row(dk->wrapped)); !w) return w.error();
  if (auto w = s.add_tenant_key_uses(tenant_id, (*tk)->version(), 1); !w) return w.error();
  auto key = std::make_shared<crypto::aead_key>(std::move(dk->key));
  cache_data_key(data_cache_key(tenant_id, key_id, 1), key);
  return new_key{std::move(key_id), std::move(key)};
}

result<std::shared_ptr<crypto::aead_key>> key_ring::data_key(session& s, std::string_view tenant_id,
                                                             std::string_view key_id, std::uint32_t version,
                                                             std::uint64_t uses_so_far) {
  const auto ck = data_cache_key(tenant_id, key_id, version);
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = data_keys_.find(ck); it != data_keys_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first;
    }
  }
  // The data key's row and the tenant key are read by separate statements: a rotation committed
  // between them re-wraps the row under a newer tenant key. Read the row again (bounded) then.
  result<std::optional<data_key_row>> row = errc::unavailable;
  result<std::shared_ptr<crypto::tenant_key>> tk = errc::unavailable;
  for (int attempt = 0;; ++attempt) {
    row = s.get_data_key(tenant_id, key_id, version);
    if (!row) return row.error();
    if (!*row) return errc::erased;  // crypto-shredded: the key is gone, its records with it
    tk = tenant_key(s, tenant_id, false);
    if (tk && (*tk)->version() != (*row)->parent_version) tk = tenant_key(s, tenant_id, true);  // rotated elsewhere
    if (!tk) return tk.error() == errc::not_found ? error_code(errc::erased) : tk.error();
    if ((*tk)->version() == (*row)->parent_version || attempt >= max_rotation_retries) break;
  }
  crypto::aead_options o;
  o.random = &rng_;
  o.seals_so_far = uses_so_far;
  result<crypto::aead_key> key = crypto::errc::internal;
  if ((*row)->subject == 0) {
    key = crypto::open_data_key(**tk, to_wrapped(**row), o);
  } else {
    // Erased subject: the conversation is gone for good, whatever rows are left (an older copy
    // of the database, an erasure interrupted before its rows were deleted).
    auto secret = subject_secret(tenant_id, (*row)->subject);
    if (!secret) return secret.error();
    key = crypto::open_data_key(**tk, to_wrapped(**row), secret->bytes(), o);
  }
  if (!key) {
    log_->error("tenant {}: data key {} version {} does not open: {}", tenant_id, key_id, version,
                key.error().message());
    return errc::corrupt;
  }
  auto shared = std::make_shared<crypto::aead_key>(std::move(*key));
  cache_data_key(ck, shared);
  return shared;
}

result<std::shared_ptr<crypto::aead_key>> key_ring::audit_key(session& s, std::string_view tenant_id,
                                                              std::uint64_t uses_so_far, bool create) {
  if (auto cached = cached_data_key(tenant_id, audit_key_id, 1)) return cached;
  auto row = s.get_data_key(tenant_id, audit_key_id, 1);
  if (!row) return row.error();
  if (*row) return data_key(s, tenant_id, audit_key_id, 1, uses_so_far);
  if (!create) return errc::erased;
  // First entry of the tenant's log: a data key like a conversation's, under the tenant key, so
  // that tenant and root rotation re-wrap it; erasures never delete it.
  auto tk = tenant_key(s, tenant_id, true);
  if (!tk) return tk.error();
  crypto::aead_options o;
  o.random = &rng_;
  auto dk = crypto::create_data_key(**tk, audit_key_id, 1, o, rng_);
  if (!dk) return create_error(dk.error());
  if (auto w = s.insert_data_key(to_row(dk->wrapped)); !w) return w.error();
  if (auto w = s.add_tenant_key_uses(tenant_id, (*tk)->version(), 1); !w) return w.error();
  // Not cached: its id is fixed, so a cached key whose row rolled back would seal later entries
  // under a key nobody stored. The next append reads the committed row (and the store forgets
  // the key when an audit append's transaction does not commit: store_audit.cpp).
  return std::make_shared<crypto::aead_key>(std::move(dk->key));
}

std::shared_ptr<crypto::aead_key> key_ring::cached_data_key(std::string_view tenant_id, std::string_view key_id,
                                                            std::uint32_t version) {
  const auto ck = data_cache_key(tenant_id, key_id, version);
  std::lock_guard lock(cache_mutex_);
  auto it = data_keys_.find(ck);
  if (it == data_keys_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void key_ring::forget_data_keys(std::string_view tenant_id, std::span<const std::string> key_ids) {
  std::lock_guard lock(cache_mutex_);
  for (const auto& id : key_ids) {
    if (auto it = data_keys_.find(data_cache_key(tenant_id, id, 1)); it != data_keys_.end()) {
      lru_.erase(it->second.second);
      data_keys_.erase(it);
    }
  }
}

void key_ring::forget_audit_key(std::string_view tenant_id) {
  const std::string id(audit_key_id);
  forget_data_keys(tenant_id, {&id, 1});
}

result<std::shared_ptr<crypto::secure_buffer>> key_ring::pseudonym_secret(session& s, std::string_view tenant_id) {
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = pseudonyms_.find(tenant_id); it != pseudonyms_.end()) return it->second;
  }
  auto sealed = s.get_tenant_secret(tenant_id);
  if (!sealed) return sealed.error();
  if (!*sealed) return errc::not_found;
  auto dk = data_key(s, tenant_id, pseudonym_key_id, pseudonym_key_version, 0);
  if (!dk) return dk.error();
  const auto ad = associated_data(pseudonym_place(tenant_id));
  auto secret = (*dk)->open_secure(**sealed, crypto::as_bytes(ad));
  if (!secret) {
    log_->error("tenant {}: pseudonymisation secret does not open", tenant_id);
    return errc::corrupt;
  }
  auto shared = std::make_shared<crypto::secure_buffer>(std::move(*secret));
  std::lock_guard lock(cache_mutex_);
  pseudonyms_[std::string(tenant_id)] = shared;
  return shared;
}

std::string key_ring::user_ref(std::span<const std::uint8_t> subject_secret, std::string_view tenant_id,
                               std::string_view conversation_id, std::string_view user_id) {
  std::string msg(user_ref_label);
  msg.push_back('\0');
  msg.append(tenant_id);
  msg.push_back('\0');
  msg.append(conversation_id);
  msg.push_back('\0');
  msg.append(user_id);
  auto mac = crypto::hmac_sha256(subject_secret, crypto::as_bytes(msg));
  auto out = core::base64url_encode(mac);
  crypto::secure_wipe(mac);
  return out;
}

result<void> key_ring::match_user(std::string_view tenant_id, std::vector<subject_row> rows, std::string_view user_id,
                                  const std::function<void(const subject_row&)>& fn) {
  std::sort(rows.begin(), rows.end(), [](const subject_row& a, const subject_row& b) { return a.subject < b.subject; });
  std::vector<std::uint64_t> subjects;
  subjects.reserve(rows.size());
  for (const auto& r : rows) subjects.push_back(r.subject);
  refresh_secrets();
  std::shared_lock lock(keys_mutex_);
  std::size_t k = 0;
  auto walked =
      secrets_.for_each_subject_secret(tenant_id, subjects, [&](std::uint64_t, std::span<const std::uint8_t> secret) {
        const auto& row = rows[k++];
        if (secret.empty()) return;  // erased: its rows are leftovers of an older copy
        if (crypto::constant_time_equal(user_ref(secret, tenant_id, row.id, user_id), row.user_ref)) fn(row);
      });
  if (!walked && walked.error() == crypto::errc::key_destroyed) return {};  // no tree: nothing to match
  if (!walked) return errc::unavailable;
  return {};
}

result<std::uint64_t> key_ring::erase_subjects(std::string_view tenant_id, std::span<const std::uint64_t> subjects) {
  std::uint64_t epoch = 0;
  auto r = change_secrets([&](crypto::erasure_secrets& secrets) -> result<bool> {
    auto n = secrets.erase_subjects(tenant_id, subjects);
    if (!n && n.error() == crypto::errc::key_destroyed) {
      epoch = secrets.erasure_epoch(tenant_id);
      return false;  // no tree: nothing of this tenant can be derived anyway
    }
    if (!n) return result<bool>(boost::system::in_place_error, n.error());
    epoch = secrets.erasure_epoch(tenant_id);
    return *n > 0;
  });
  if (!r) {
    log_->error("tenant {}: cannot record the erasure in the erasure secrets file: {}", tenant_id, r.error().message());
    return errc::unavailable;
  }
  return epoch;
}

bool key_ring::subject_erased(std::string_view tenant_id, std::uint64_t subject) const {
  std::shared_lock lock(keys_mutex_);
  return secrets_.subject_erased(tenant_id, subject);
}

std::uint64_t key_ring::erasure_epoch(std::string_view tenant_id) const {
  std::shared_lock lock(keys_mutex_);
  return secrets_.erasure_epoch(tenant_id);
}

std::uint64_t key_ring::subject_floor(std::string_view tenant_id) const {
  std::shared_lock lock(keys_mutex_);
  return secrets_.subject_floor(tenant_id);
}

result<data_key_row> key_ring::bind_legacy_key(session& s, const data_key_row& row, std::uint64_t subject) {
  auto tk = tenant_key(s, row.tenant_id, false);
  if (!tk) return tk.error();
  if ((*tk)->version() != row.parent_version) return errc::corrupt;
  auto secret = subject_secret(row.tenant_id, subject);
  if (!secret) return errc::unavailable;
  auto bound = crypto::bind_data_key(**tk, to_wrapped(row), subject, secret->bytes());
  if (!bound) return bound.error() == crypto::errc::authentication_failed ? error_code(errc::corrupt) : bound.error();
  return to_row(*bound);
}

result<std::string> key_ring::idempotency_ref(session& s, std::string_view tenant_id, std::string_view conversation_id,
                                              std::string_view key) {
  auto secret = pseudonym_secret(s, tenant_id);
  if (!secret) return secret.error();
  std::string msg = "idempotency";
  msg.push_back('\0');
  msg.append(conversation_id);
  msg.push_back('\0');
  msg.append(key);
  const auto mac = crypto::hmac_sha256((*secret)->bytes(), crypto::as_bytes(msg));
  return core::base64url_encode(mac);
}

result<tenant_rotation> key_ring::prepare_tenant_rotation(session& s, std::string_view tenant_id) {
  auto row = s.current_tenant_key(tenant_id, key_lock::exclusive);
  if (!row) return row.error();
  if (!*row) return errc::not_found;
  auto current = open_tenant(**row);
  if (!current) return current.error();
  auto data = s.tenant_data_keys(tenant_id);
  if (!data) return data.error();
  std::vector<crypto::wrapped_key> wrapped;
  wrapped.reserve(data->size());
  for (const auto& d : *data) {
    if (d.parent_version != (*row)->version) {
      log_->error("tenant {}: data key {} is wrapped by version {}, not the current {}", tenant_id, d.key_id,
                  d.parent_version, (*row)->version);
      return errc::corrupt;
    }
    wrapped.push_back(to_wrapped(d));
  }
  const std::uint32_t next_version = (*row)->version + 1;
  std::optional<crypto::tenant_rotation> rotated;
  auto r = change_secrets([&](crypto::erasure_secrets& secrets) -> result<bool> {
    // A secret for next_version without a key row is left from a rotation that never committed.
    secrets.destroy(tenant_id, next_version);
    auto rot = crypto::rotate_tenant_key(*root_, secrets, **current, wrapped, rng_);
    if (!rot) return result<bool>(boost::system::in_place_error, rot.error());
    rotated.emplace(std::move(*rot));
    return true;
  });
  if (!r) {
    log_->error("tenant {}: rotation to key version {} failed: {}", tenant_id, next_version, r.error().message());
    return errc::unavailable;
  }
  tenant_rotation out{std::string(tenant_id), (*row)->version, next_version,
                      std::make_shared<crypto::tenant_key>(std::move(rotated->next.key))};
  const auto& w = rotated->next.wrapped;
  std::vector<data_key_row> rows;
  rows.reserve(rotated->data_keys.size());
  for (const auto& d : rotated->data_keys) rows.push_back(to_row(d));
  result<void> written = s.insert_tenant_key({w.tenant_id, w.version, w.parent_version, w.sealed, out.next->wraps()});
  if (written) written = s.update_data_keys(rows);
  if (written) written = s.delete_tenant_key(tenant_id, out.old_version);
  if (!written) {
    tenant_rotation_failed(out);
    return written.error();
  }
  return out;
}

void key_ring::tenant_rotation_committed(const tenant_rotation& r) {
  {
    std::lock_guard lock(cache_mutex_);
    tenants_[r.tenant_id] = r.next;
  }
  auto done = change_secrets(
      [&](crypto::erasure_secrets& secrets) -> result<bool> { return secrets.destroy(r.tenant_id, r.old_version); });
  if (!done) {
    // The next start finishes it (destroy_superseded_secrets); until then an older database copy
    // could still be opened with this secret.
    log_->error("tenant {}: erasure secret of key version {} not destroyed yet: {}", r.tenant_id, r.old_version,
                done.error().message());
  }
}

void key_ring::tenant_rotation_failed(const tenant_rotation& r) {
  auto done = change_secrets(
      [&](crypto::erasure_secrets& secrets) -> result<bool> { return secrets.destroy(r.tenant_id, r.new_version); });
  if (!done) log_->warn("tenant {}: unused erasure secret {} left in the file", r.tenant_id, r.new_version);
}

result<root_rotation> key_ring::prepare_root_rotation(session& s, crypto::root_key next) {
  if (next.version() == root_version()) return errc::invalid_argument;
  auto rows = s.all_tenant_keys();
  if (!rows) return rows.error();
  std::vector<crypto::wrapped_key> wrapped;
  wrapped.reserve(rows->size());
  for (const auto& r : *rows) wrapped.push_back(to_wrapped(r));
  result<std::vector<crypto::wrapped_key>> rewrapped = [&] {
    std::shared_lock lock(keys_mutex_);
    return crypto::rotate_root_key(*root_, next, secrets_, wrapped);
  }();
  if (!rewrapped) {
    log_->error("root key rotation failed: {}", rewrapped.error().message());
    return tenant_open_error(rewrapped.error());
  }
  for (std::size_t i = 0; i < rows->size(); ++i) {
    auto row = (*rows)[i];
    row.sealed = (*rewrapped)[i].sealed;
    row.parent_version = (*rewrapped)[i].parent_version;
    if (auto w = s.update_tenant_key(row); !w) return w.error();
  }
  if (auto w = s.put_meta(meta_scope::keys, "root_key_version", be32(next.version())); !w) return w.error();
  if (auto w = s.put_meta(meta_scope::keys, "root_key_check", next.check_value()); !w) return w.error();
  return root_rotation{std::make_shared<crypto::root_key>(std::move(next))};
}

void key_ring::root_rotation_committed(const root_rotation& r) {
  std::unique_lock lock(keys_mutex_);
  root_ = r.next;
}

}  // namespace parley::store::detail
