#include "key_file.hpp"

#include <parley/core/log.hpp>
#include <parley/jose/error.hpp>
#include <parley/jose/key_store.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <limits>

namespace parley::jose {

using detail::stored_key;

struct signing_key_store::entry {
  stored_key meta;
  std::shared_ptr<const signing_key> key;  // null for expired keys (never unwrapped)
};

namespace {

using sys_time = std::chrono::system_clock::time_point;
constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

sys_time from_unix(std::int64_t s) { return sys_time{std::chrono::seconds{s}}; }

// Key order within a purpose: by activation, then creation, then position in the file (a key
// rotated in the same second as its predecessor is still its successor).
bool earlier(const stored_key& a, std::size_t ia, const stored_key& b, std::size_t ib) {
  if (a.activates != b.activates) return a.activates < b.activates;
  if (a.created != b.created) return a.created < b.created;
  return ia < ib;
}

// State of every key at `now`: within one purpose, ordered by activation, the newest activated
// key is active; older activated keys retired when their successor activated.
struct timeline {
  key_state state = key_state::pending;
  std::optional<std::int64_t> retired;
};

std::vector<timeline> states_of(const std::vector<stored_key>& keys, std::int64_t now, std::int64_t overlap) {
  std::vector<timeline> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto& k = keys[i];
    if (k.activates > now) continue;  // pending
    // The earliest later-ordered key of the same purpose that has activated is the successor.
    std::optional<std::int64_t> successor;
    for (std::size_t j = 0; j < keys.size(); ++j) {
      const auto& other = keys[j];
      if (j == i || other.purpose != k.purpose || !earlier(k, i, other, j) || other.activates > now) continue;
      successor = successor ? std::min(*successor, other.activates) : other.activates;
    }
    if (!successor) {
      out[i].state = key_state::active;
    } else {
      out[i].retired = successor;
      out[i].state = now >= *successor + overlap ? key_state::expired : key_state::retired;
    }
  }
  return out;
}

key_info info_of(const stored_key& k, const timeline& t) {
  key_info i{k.kid, k.purpose, k.alg, from_unix(k.created), from_unix(k.activates), std::nullopt, t.state};
  if (t.retired) i.retired = from_unix(*t.retired);
  return i;
}

result<std::shared_ptr<const signing_key>> unwrap(const stored_key& k, key_wrapper& wrapper) {
  auto plain = wrapper.unwrap(k.wrapped, detail::wrap_associated_data(k));
  if (!plain) {
    core::logger("jose")->error("signing key {} ({}) could not be unwrapped", k.kid, k.purpose);
    return make_error_code(errc::unwrap_failed);
  }
  secret_bytes der(std::move(*plain));
  auto key = signing_key::from_pkcs8(der.bytes(), k.alg);
  // The kid is the key's thumbprint: a mismatch means the entry was not written for this key.
  if (!key || key->kid() != k.kid) return make_error_code(errc::key_file_corrupt);
  return std::make_shared<const signing_key>(std::move(*key));
}

result<stored_key> generate(const std::string& purpose, algorithm alg, std::int64_t now, std::int64_t activates,
                            unsigned rsa_bits, key_wrapper& wrapper) {
  auto key = signing_key::generate(alg, rsa_bits);
  if (!key) return key.error();
  stored_key k{key->kid(), purpose, alg, now, activates, {}};
  auto der = key->to_pkcs8();
  if (!der) return der.error();
  auto wrapped = wrapper.wrap(der->bytes(), detail::wrap_associated_data(k));
  if (!wrapped) return make_error_code(errc::crypto_failure);
  k.wrapped = std::move(*wrapped);
  core::logger("jose")->info("generated signing key {} ({}, {})", k.kid, purpose, to_string(alg));
  return k;
}

}  // namespace

std::string_view to_string(key_state s) noexcept {
  switch (s) {
    case key_state::pending: return "pending";
    case key_state::active: return "active";
    case key_state::retired: return "retired";
    case key_state::expired: return "expired";
  }
  return "?";
}

signing_key_store::signing_key_store(key_store_options opts, key_wrapper& wrapper, const core::clock& clock)
    : opts_(std::move(opts)), wrapper_(wrapper), clock_(clock) {}

signing_key_store::~signing_key_store() = default;

result<std::unique_ptr<signing_key_store>> signing_key_store::open(key_store_options opts,
                                                                  std::vector<key_purpose> purposes,
                                                                  key_wrapper& wrapper, const core::clock& clock) {
  for (const auto& p : purposes) PARLEY_CHECK(detail::valid_purpose(p.name), "invalid signing key purpose name");
  std::unique_ptr<signing_key_store> store(new signing_key_store(std::move(opts), wrapper, clock));
  std::lock_guard lock(store->mutex_);
  if (auto ec = store->load_locked(purposes)) return ec;
  return store;
}

// Reads the file under the inter-process lock, unwraps what is still published, adds the keys
// `purposes` lack, and writes the file back if anything was added or expired.
error_code signing_key_store::load_locked(const std::vector<key_purpose>& purposes) {
  auto flock = detail::file_lock::acquire(opts_.file);
  if (!flock) return flock.error();
  auto stored = detail::read_key_file(opts_.file);
  if (!stored) return stored.error();
  const std::int64_t now = core::unix_seconds(clock_.now());
  const std::int64_t overlap = opts_.overlap.count();

  bool changed = false;
  for (const auto& p : purposes) {
    const stored_key* newest = nullptr;
    std::size_t newest_index = 0;
    for (std::size_t i = 0; i < stored->size(); ++i) {
      const auto& k = (*stored)[i];
      if (k.purpose == p.name && (newest == nullptr || earlier(*newest, newest_index, k, i))) {
        newest = &k;
        newest_index = i;
      }
    }
    if (newest != nullptr && newest->alg == p.alg) continue;
    // First start: active at once. Algorithm change: a rotation, with the usual delay.
    const std::int64_t activates = newest == nullptr ? now : now + opts_.activation_delay.count();
    auto k = generate(p.name, p.alg, now, activates, opts_.rsa_bits, wrapper_);
    if (!k) return k.error();
    stored->push_back(std::move(*k));
    changed = true;
  }

  const auto states = states_of(*stored, now, overlap);
  std::vector<entry> entries;
  std::vector<stored_key> keep;
  for (std::size_t i = 0; i < stored->size(); ++i) {
    auto& k = (*stored)[i];
    if (states[i].state == key_state::expired) {
      changed = true;  // dropped from the file
      continue;
    }
    auto key = unwrap(k, wrapper_);
    if (!key) return key.error();
    keep.push_back(k);
    entries.push_back(entry{std::move(k), std::move(*key)});
  }
  if (changed) {
    if (auto ec = detail::write_key_file(opts_.file, keep)) return ec;
  }
  entries_ = std::move(entries);
  views_.clear();
  return {};
}

const signing_key_store::view* signing_key_store::view_locked(std::string_view purpose) const {
  const std::int64_t now = core::unix_seconds(clock_.now());
  if (auto it = views_.find(purpose); it != views_.end() && now < it->second.valid_until) return &it->second;

  std::vector<stored_key> metas;
  std::vector<const entry*> mine;
  for (const auto& e : entries_) {
    if (e.meta.purpose != purpose) continue;
    metas.push_back(e.meta);
    mine.push_back(&e);
  }
  if (mine.empty()) return nullptr;
  const auto states = states_of(metas, now, opts_.overlap.count());
  view v;
  v.valid_until = never;
  std::vector<jwk> active, pending, retired;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto& e = *mine[i];
    jwk pub{e.key->public_part(), e.key->kid(), {}, std::nullopt};
    switch (states[i].state) {
      case key_state::active:
        v.active = e.key;
        active.push_back(std::move(pub));
        break;
      case key_state::pending:
        v.valid_until = std::min(v.valid_until, e.meta.activates);
        pending.push_back(std::move(pub));
        break;
      case key_state::retired:
        v.valid_until = std::min(v.valid_until, *states[i].retired + opts_.overlap.count());
        retired.push_back(std::move(pub));
        break;
      case key_state::expired: break;
    }
  }
  active.insert(active.end(), std::make_move_iterator(pending.begin()), std::make_move_iterator(pending.end()));
  active.insert(active.end(), std::make_move_iterator(retired.begin()), std::make_move_iterator(retired.end()));
  auto set = jwks::make(std::move(active));
  PARLEY_CHECK(set.has_value(), "stored signing keys with duplicate kids");
  v.published = std::make_shared<const jwks>(std::move(*set));
  auto& slot = views_[std::string(purpose)];
  slot = std::move(v);
  return &slot;
}

result<std::shared_ptr<const signing_key>> signing_key_store::signer(std::string_view purpose) const {
  std::lock_guard lock(mutex_);
  const auto* v = view_locked(purpose);
  if (v == nullptr || !v->active) return make_error_code(errc::unknown_purpose);
  return v->active;
}

result<std::shared_ptr<const jwks>> signing_key_store::public_keys(std::string_view purpose) const {
  std::lock_guard lock(mutex_);
  const auto* v = view_locked(purpose);
  if (v == nullptr) return make_error_code(errc::unknown_purpose);
  return v->published;
}

result<key_info> signing_key_store::rotate(std::string_view purpose) {
  std::lock_guard lock(mutex_);
  if (auto ec = load_locked({})) return ec;  // pick up other processes' changes first
  const entry* newest = nullptr;
  std::size_t newest_index = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.meta.purpose == purpose && (newest == nullptr || earlier(newest->meta, newest_index, e.meta, i))) {
      newest = &e;
      newest_index = i;
    }
  }
  if (newest == nullptr) return make_error_code(errc::unknown_purpose);
  const std::string name(purpose);
  const algorithm alg = newest->meta.alg;

  auto flock = detail::file_lock::acquire(opts_.file);
  if (!flock) return flock.error();
  auto stored = detail::read_key_file(opts_.file);
  if (!stored) return stored.error();
  const std::int64_t now = core::unix_seconds(clock_.now());
  auto k = generate(name, alg, now, now + opts_.activation_delay.count(), opts_.rsa_bits, wrapper_);
  if (!k) return k.error();
  auto key = unwrap(*k, wrapper_);  // proves the wrap round-trips before the file changes
  if (!key) return key.error();
  stored->push_back(*k);
  if (auto ec = detail::write_key_file(opts_.file, *stored)) return ec;
  entries_.push_back(entry{*k, std::move(*key)});
  views_.clear();
  const auto states = states_of({*k}, now, opts_.overlap.count());
  return info_of(*k, states[0]);
}

error_code signing_key_store::reload() {
  std::lock_guard lock(mutex_);
  return load_locked({});
}

std::vector<key_info> signing_key_store::list() const {
  std::lock_guard lock(mutex_);
  std::vector<stored_key> metas;
  for (const auto& e : entries_) metas.push_back(e.meta);
  const auto states = states_of(metas, core::unix_seconds(clock_.now()), opts_.overlap.count());
  std::vector<key_info> out;
  for (std::size_t i = 0; i < metas.size(); ++i) out.push_back(info_of(metas[i], states[i]));
  return out;
}

result<std::vector<key_info>> signing_key_store::list_file(const key_store_options& opts, const core::clock& clock) {
  auto stored = detail::read_key_file(opts.file);
  if (!stored) return stored.error();
  const auto states = states_of(*stored, core::unix_seconds(clock.now()), opts.overlap.count());
  std::vector<key_info> out;
  for (std::size_t i = 0; i < stored->size(); ++i) out.push_back(info_of((*stored)[i], states[i]));
  return out;
}

error_code signing_key_store::rewrap_file(const key_store_options& opts, key_wrapper& from, key_wrapper& to,
                                          const std::filesystem::path& out) {
  auto flock = detail::file_lock::acquire(opts.file);
  if (!flock) return flock.error();
  auto stored = detail::read_key_file(opts.file);
  if (!stored) return stored.error();
  for (auto& k : *stored) {
    const auto ad = detail::wrap_associated_data(k);
    auto plain = from.unwrap(k.wrapped, ad);
    if (!plain) {
      core::logger("jose")->error("signing key {} ({}) could not be unwrapped", k.kid, k.purpose);
      return make_error_code(errc::unwrap_failed);
    }
    const secret_bytes der(std::move(*plain));
    auto wrapped = to.wrap(der.bytes(), ad);
    if (!wrapped) return make_error_code(errc::crypto_failure);
    k.wrapped = std::move(*wrapped);
  }
  return detail::write_key_file(out, *stored);
}

}  // namespace parley::jose
