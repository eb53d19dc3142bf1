#include <bankx/tokens.hpp>

#include <parley/core/base64.hpp>
#include <parley/crypto/primitives.hpp>

namespace bankx {
namespace {

constexpr std::size_t random_bytes = 32;
constexpr std::size_t encoded_length = 43;  // base64url of 32 bytes, unpadded

std::string digest_key(std::string_view token) {
  const auto d = parley::crypto::sha256(token);
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

std::string token_log_id(std::string_view token) {
  const auto d = parley::crypto::sha256(token);
  return parley::core::hex_encode(std::span<const std::uint8_t>(d.data(), 6));
}

token_store::token_store(std::string prefix, std::chrono::seconds lifetime, std::size_t max_tokens,
                         const parley::core::clock& clock, parley::core::random_source& rng)
    : prefix_(std::move(prefix)), lifetime_(lifetime), max_tokens_(max_tokens), clock_(clock), rng_(rng) {}

bool token_store::well_formed(std::string_view token) const noexcept {
  return token.size() == prefix_.size() + encoded_length && token.substr(0, prefix_.size()) == prefix_;
}

void token_store::sweep_locked() const {
  const auto now = clock_.steady_now();
  // A full scan at most once a second keeps the cost per call constant under load.
  if (now < next_sweep_) return;
  next_sweep_ = now + std::chrono::seconds(1);
  std::erase_if(tokens_, [now](const auto& kv) { return kv.second.expires <= now; });
}

parley::result<token_store::issued> token_store::issue(std::string subject) {
  std::string token = parley::core::random_id(rng_, prefix_, random_bytes);
  std::lock_guard lock(mutex_);
  sweep_locked();
  if (tokens_.size() >= max_tokens_) return errc::temporarily_unavailable;
  tokens_[digest_key(token)] = entry{std::move(subject), clock_.steady_now() + lifetime_};
  return issued{std::move(token), lifetime_};
}

parley::result<std::string> token_store::validate(std::string_view token) const {
  if (!well_formed(token)) return errc::invalid_token;
  const std::string key = digest_key(token);
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(key);
  if (it == tokens_.end()) return errc::invalid_token;
  if (it->second.expires <= clock_.steady_now()) {
    tokens_.erase(it);
    return errc::invalid_token;
  }
  return it->second.subject;
}

bool token_store::revoke(std::string_view token) {
  if (!well_formed(token)) return false;
  const std::string key = digest_key(token);
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(key);
  if (it == tokens_.end()) return false;
  const bool live = it->second.expires > clock_.steady_now();
  tokens_.erase(it);
  return live;
}

std::size_t token_store::size() const {
  std::lock_guard lock(mutex_);
  next_sweep_ = {};
  sweep_locked();
  return tokens_.size();
}

}  // namespace bankx
