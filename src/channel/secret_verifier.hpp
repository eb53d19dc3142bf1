// Checks a presented secret (a Direct Line channel secret, a bot's app password) against the
// configured salted hashes. scrypt runs on the verifier's own thread (never on an I/O thread);
// successes are remembered under an HMAC of the secret with a random per-process key, so a bot
// web service presenting its secret on every tokens/generate pays the KDF once per process.
// Failures are never remembered: callers rate-limit attempts before calling verify(), and at
// most `max_pending` computations wait at once (more fail with errc::rate_limited).
// Thread-safety: verify() may be called concurrently from any thread.
#pragma once

#include <parley/channel/secret_hash.hpp>
#include <parley/core/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::channel {

class secret_verifier {
 public:
  explicit secret_verifier(std::size_t max_pending = 32);
  ~secret_verifier();
  secret_verifier(const secret_verifier&) = delete;
  secret_verifier& operator=(const secret_verifier&) = delete;

  /// Hashes one secret may match; `scope` names whose they are ("secret:<bot>", "password:<bot>").
  struct candidate {
    std::string scope;
    const std::vector<secret_hash>* hashes = nullptr;
  };

  /// The index of a candidate `secret` is remembered to match (no KDF), or nullopt.
  [[nodiscard]] std::optional<std::size_t> remembered(std::string_view secret, const std::vector<candidate>& candidates);

  /// The index of the first candidate whose hashes `secret` matches, or nullopt. A remembered
  /// success answers at once; otherwise scrypt runs against every candidate (so keep the list
  /// short: the bots of a deployment, or one bot's password).
  [[nodiscard]] boost::asio::awaitable<result<std::optional<std::size_t>>> match(std::string_view secret,
                                                                                 const std::vector<candidate>& candidates);

 private:
  crypto::sha256_digest cache_key(std::string_view secret) const;
  static boost::asio::awaitable<std::optional<std::size_t>> compute(std::string secret,
                                                                    const std::vector<candidate>* candidates);

  std::array<std::uint8_t, 32> key_{};
  std::size_t max_pending_;
  std::atomic<std::size_t> pending_{0};
  std::mutex mutex_;
  std::map<crypto::sha256_digest, std::string> successes_;  // HMAC of the secret -> scope
  boost::asio::thread_pool pool_{1};
};

}  // namespace parley::channel
