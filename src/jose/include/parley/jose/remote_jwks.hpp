// A cache of another issuer's public keys (an IdP's JWKS, later the channel's keys as seen by a
// bot), following security-standards.md §2.7: keys kept for `max_age` (24 h) and refreshed in the
// background when older; a token with an unknown `kid` triggers an immediate refetch, at most once
// per `unknown_kid_cooldown` (5 min) counted from the last fetch of any kind; one fetch at a time
// (callers wait for the fetch in flight); on any failure the last known good key set stays in use.
// Optionally the JWKS URL is discovered from OpenID/OAuth metadata (`jwks_uri`), whose `issuer`
// can be required to equal the expected one.
//
// The HTTP client is a seam (jwks_fetcher): the real one is net's outbound HTTPS client, tests
// use a fake. Time comes from the injected core::clock.
//
// Thread-safety: every member function may be called from any thread. Key sets are handed out as
// immutable snapshots (shared_ptr<const jwks>); a refresh replaces the pointer, never the set.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/jose/jwk.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::jose {

/// Fetches a document over HTTPS. The implementation applies its own connect/read timeouts, size
/// cap and certificate checks, and returns the body of a 2xx response; anything else is an error
/// (any error_code; the cache only logs it and keeps its last good keys). Must be safe to call from
/// several coroutines at once, and must outlive the cache.
class jwks_fetcher {
 public:
  virtual ~jwks_fetcher() = default;
  [[nodiscard]] virtual boost::asio::awaitable<result<std::string>> fetch(std::string url) = 0;
};

struct remote_jwks_options {
  /// The JWKS URL, or with `discovery` the metadata URL (".../.well-known/openid-configuration").
  std::string url;
  bool discovery = false;
  /// With discovery: the metadata's `issuer` must equal this (RFC 8414 §3.3); empty: not checked.
  std::string expected_issuer;
  /// Age after which the key set is refreshed in the background.
  std::chrono::seconds max_age{std::chrono::hours{24}};
  /// Least time between the last fetch and a refetch caused by an unknown kid.
  std::chrono::seconds unknown_kid_cooldown{std::chrono::minutes{5}};
  /// Least time between a failed fetch and the next background attempt.
  std::chrono::seconds retry_after_failure{std::chrono::minutes{5}};
  /// Cap on each document (metadata, JWKS).
  std::size_t max_document_bytes = 256 * 1024;
  /// Accept http:// for `url` and a discovered `jwks_uri` when the host is loopback (127.0.0.0/8,
  /// [::1], localhost: development IdPs, a channel on the same host); https:// otherwise, always.
  bool allow_http = false;
};

class remote_jwks_cache {
 public:
  /// `fetcher` and `clock` must outlive the cache. Nothing is fetched until first use or run().
  remote_jwks_cache(remote_jwks_options opts, jwks_fetcher& fetcher, const core::clock& clock);
  ~remote_jwks_cache();
  remote_jwks_cache(const remote_jwks_cache&) = delete;
  remote_jwks_cache& operator=(const remote_jwks_cache&) = delete;

  /// The current key set; null before the first successful fetch.
  [[nodiscard]] std::shared_ptr<const jwks> snapshot() const;

  /// The key set to validate a token whose header names `kid` (empty: no kid). Fetches when the
  /// cache is empty, or when `kid` is unknown and the cooldown has passed; otherwise returns the
  /// current snapshot at once. Null only while no fetch has ever succeeded. Never throws.
  [[nodiscard]] boost::asio::awaitable<std::shared_ptr<const jwks>> keys_for(std::string kid);

  /// Fetches if the key set is older than max_age (or absent), unless a failure is too recent.
  /// What run() calls; exposed so that tests drive it with a fake clock.
  [[nodiscard]] boost::asio::awaitable<void> refresh_if_due();

  /// Background refresh loop: refresh_if_due(), then sleep until the next refresh is due (at most
  /// `max_wait`). Returns after stop(). Start it with co_spawn(..., core::log_exceptions{...}) on
  /// a strand (or a one-thread io_context): stop() and wake() reach its timer through its executor.
  [[nodiscard]] boost::asio::awaitable<void> run(std::chrono::milliseconds max_wait = std::chrono::minutes{1});
  /// Makes run() return soon; safe from any thread. Destroy the cache only after run() returned.
  void stop();
  /// Makes run() look at the clock now instead of at the end of its sleep (after the injected
  /// clock moved, or on an operator's request); a wake before run() sleeps is not lost. Safe from
  /// any thread; does nothing without run().
  void wake();

  struct counters {
    std::uint64_t fetches = 0;   ///< fetch attempts (a discovery + JWKS pair counts once)
    std::uint64_t failures = 0;  ///< attempts that failed (last good keys kept)
  };
  [[nodiscard]] counters stats() const;
  [[nodiscard]] const remote_jwks_options& options() const noexcept { return opts_; }

 private:
  using steady = std::chrono::steady_clock;
  boost::asio::awaitable<void> fetch_once();          // single-flight: joins a fetch in flight
  boost::asio::awaitable<result<jwks>> download(std::string_view& why);  // discovery + JWKS, validated
  boost::asio::awaitable<void> wait_for_fetch();      // resumes when the fetch in flight ends
  [[nodiscard]] steady::time_point next_due_locked() const;
  void interrupt_sleep();  // cancels run()'s timer on its executor

  remote_jwks_options opts_;
  jwks_fetcher& fetcher_;
  const core::clock& clock_;

  mutable std::mutex mutex_;
  std::shared_ptr<const jwks> keys_;
  std::optional<steady::time_point> last_attempt_;
  std::optional<steady::time_point> last_success_;
  bool last_failed_ = false;
  bool fetching_ = false;
  std::vector<std::function<void()>> waiters_;
  counters counters_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> woken_{false};
  std::shared_ptr<boost::asio::steady_timer> timer_;  // run()'s timer, for stop()
};

}  // namespace parley::jose
