#include "secret_verifier.hpp"

#include <parley/channel/error.hpp>
#include <parley/core/random.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <string>

namespace parley::channel {

namespace asio = boost::asio;

namespace {
constexpr std::size_t max_remembered = 1024;  // configured secrets only: a few per bot
}

secret_verifier::secret_verifier(std::size_t max_pending) : max_pending_(max_pending) { core::os_random().fill(key_); }

secret_verifier::~secret_verifier() {
  pool_.join();
  crypto::secure_wipe(key_);
}

crypto::sha256_digest secret_verifier::cache_key(std::string_view secret) const {
  return crypto::hmac_sha256(key_, crypto::as_bytes(secret));
}

asio::awaitable<std::optional<std::size_t>> secret_verifier::compute(std::string secret,
                                                                   const std::vector<candidate>* candidates) {
  std::optional<std::size_t> match;
  for (std::size_t i = 0; i < candidates->size() && !match; ++i) {
    bool ok = false;
    // Every hash of a candidate is computed, so the time does not tell which one matched.
    for (const auto& h : *(*candidates)[i].hashes) ok = verify_secret(secret, h) || ok;
    if (ok) match = i;
  }
  crypto::secure_wipe(secret);
  co_return match;
}

std::optional<std::size_t> secret_verifier::remembered(std::string_view secret, const std::vector<candidate>& candidates) {
  if (secret.empty() || secret.size() > 1024) return std::nullopt;
  const auto key = cache_key(secret);
  std::lock_guard lock(mutex_);
  const auto it = successes_.find(key);
  if (it == successes_.end()) return std::nullopt;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i].scope == it->second) return i;
  }
  return std::nullopt;
}

asio::awaitable<result<std::optional<std::size_t>>> secret_verifier::match(std::string_view secret,
                                                                           const std::vector<candidate>& candidates) {
  using found = std::optional<std::size_t>;
  if (secret.empty() || secret.size() > 1024 || candidates.empty()) co_return found{};
  if (auto hit = remembered(secret, candidates)) co_return hit;
  const auto key = cache_key(secret);
  if (pending_.fetch_add(1) >= max_pending_) {
    pending_.fetch_sub(1);
    co_return make_error_code(errc::rate_limited);
  }
  // The KDF runs on the pool; the awaiting coroutine resumes on its own executor. (A coroutine
  // function, not a capturing lambda: GCC 12 destroys a coroutine lambda's captures twice.)
  std::string copy(secret);
  const found hit = co_await asio::co_spawn(pool_, compute(std::move(copy), &candidates), asio::use_awaitable);
  pending_.fetch_sub(1);
  if (hit) {
    std::lock_guard lock(mutex_);
    if (successes_.size() < max_remembered) successes_[key] = candidates[*hit].scope;
  }
  co_return hit;
}

}  // namespace parley::channel
