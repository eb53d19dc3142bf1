// Signed user assertions (docs/user-assertion.md): a host site with its own logged-in users passes
// a short-lived JWT in POST /api/token {"userAssertion"}; the bot checks it with the site's
// registered key through a jose profile and derives a stable pseudonymous user id from
// (site, sub). Private to the bot component.
// Thread-safety: user_id_for() may be called from any thread; the service runs the remote caches'
// refresh loops (remote_caches()) from its start() to its stop().
#pragma once

#include "user_ids.hpp"

#include <parley/bot/options.hpp>
#include <parley/core/clock.hpp>
#include <parley/jose/remote_jwks.hpp>
#include <parley/jose/token.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace parley::bot {

/// How soon a failed fetch of a site's JWKS is retried by the background refresh (the site may be
/// unreachable when the bot starts; until a fetch succeeds its assertions are refused).
inline constexpr std::chrono::seconds site_keys_retry{30};

class user_assertions {
 public:
  /// `sites` must be valid (parse_options checked them); an inline JWK that does not parse is an
  /// error here (errc::bad_assertion) so that src/app can refuse to start. `fetcher` and `clock`
  /// must outlive this.
  [[nodiscard]] static result<std::unique_ptr<user_assertions>> create(const std::vector<assertion_site>& sites,
                                                                      pseudonym_key key, jose::jwks_fetcher& fetcher,
                                                                      const core::clock& clock);
  ~user_assertions();

  /// The pseudonymous user id for a valid assertion; errc::bad_assertion for anything else (the
  /// reason is logged, never returned to the caller).
  [[nodiscard]] boost::asio::awaitable<result<std::string>> user_id_for(std::string assertion) const;
  [[nodiscard]] bool empty() const noexcept { return sites_.empty(); }
  /// The key caches of the sites registered by jwks_url (owned here), for their refresh loops.
  [[nodiscard]] std::vector<jose::remote_jwks_cache*> remote_caches() const;

  struct site_state;

 private:
  user_assertions(std::vector<std::unique_ptr<site_state>> sites, pseudonym_key key);
  std::vector<std::unique_ptr<site_state>> sites_;
  pseudonym_key key_;
};

}  // namespace parley::bot
