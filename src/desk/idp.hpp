// Private: one tenant's identity provider as the desk (a confidential OIDC client) sees it.
//
// Discovery: {issuer}/.well-known/openid-configuration, fetched on first use and again after
// discovery_max_age (the last good copy is kept when a refetch fails). Its `issuer` must equal the
// configured one byte for byte, every endpoint must be https:// (http:// only on loopback),
// PKCE S256 must be offered when methods are listed, and `code` must be a response type.
// Keys: jose's remote JWKS cache over the metadata's jwks_uri (rate-limited refetch on an unknown
// kid, last good keys kept). Tokens: authorization code + PKCE, refresh, with client_secret_basic
// or client_secret_post; every request carrying a secret is `sensitive` (wiped by the client) and
// every answer is wiped once parsed. No implicit or hybrid flow exists here.
//
// Validation (tokens.cpp): an ID token through a jose profile (exact iss, aud = client id,
// allowed algorithms, exp/iat with 60 s skew, key from this IdP's JWKS only), then azp, nonce,
// the Entra `tid` allowlist, allowed groups and the role mapping; a logout token per OIDC
// Back-Channel Logout 1.0 §2.6 (typ logout+jwt, events member, sub or sid, no nonce).
//
// Thread-safety: every member may be called concurrently.
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/desk/api.hpp>
#include <parley/desk/options.hpp>
#include <parley/jose/remote_jwks.hpp>
#include <parley/jose/token.hpp>
#include <parley/net/client.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace parley::desk::detail {

struct idp_metadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string end_session_endpoint;      ///< empty when the IdP offers no RP-initiated logout
  bool iss_parameter_supported = false;  ///< RFC 9207 authorization_response_iss_parameter_supported
};

/// What a token endpoint answered. The tokens are wiped when this is destroyed.
struct token_set {
  std::string id_token;
  std::string refresh_token;  ///< empty when none was issued (or rotated)
  token_set() = default;
  token_set(token_set&&) noexcept = default;
  token_set& operator=(token_set&&) noexcept = default;
  ~token_set();
};

/// A consultant as a validated ID token describes them.
struct identity {
  std::string issuer;
  std::string subject;
  std::string actor;  ///< actor_id(issuer, subject)
  std::string name;
  std::string sid;  ///< the IdP's session id, or empty
  desk::role role = desk::role::consultant;
};

/// What a valid logout token asks for: the sessions of `subject` and/or of IdP session `sid`.
struct logout_request {
  std::string subject;  ///< may be empty when sid is set
  std::string sid;      ///< may be empty when subject is set
  std::string jti;
  std::chrono::system_clock::time_point expires{};
};

/// A fetcher for jose's JWKS cache over net's client (GET, 2xx only, its timeouts and caps).
class jwks_http_fetcher final : public jose::jwks_fetcher {
 public:
  explicit jwks_http_fetcher(net::http_client& http) : http_(http) {}
  [[nodiscard]] boost::asio::awaitable<result<std::string>> fetch(std::string url) override;

 private:
  net::http_client& http_;
};

class idp {
 public:
  /// `tenant`, `http` and `clock` must outlive the idp. `desk` gives the discovery age.
  idp(const tenant_options& tenant, const options& desk, net::http_client& http, const core::clock& clock);
  ~idp();
  idp(const idp&) = delete;
  idp& operator=(const idp&) = delete;

  [[nodiscard]] const tenant_options& tenant() const noexcept { return tenant_; }
  /// The redirect and post-logout URIs (set by the service at start).
  void set_uris(std::string redirect_uri, std::string post_logout_uri);
  [[nodiscard]] const std::string& redirect_uri() const noexcept { return redirect_uri_; }
  [[nodiscard]] const std::string& post_logout_uri() const noexcept { return post_logout_uri_; }

  /// errc::idp_unavailable, errc::bad_metadata (when no good copy exists yet).
  [[nodiscard]] boost::asio::awaitable<result<idp_metadata>> metadata();

  [[nodiscard]] std::string authorization_url(const idp_metadata& m, std::string_view state, std::string_view nonce,
                                              std::string_view code_challenge) const;
  /// RP-Initiated Logout 1.0: end_session_endpoint?id_token_hint&post_logout_redirect_uri&state&client_id;
  /// empty when the IdP has no end_session_endpoint.
  [[nodiscard]] std::string end_session_url(const idp_metadata& m, std::string_view id_token_hint,
                                            std::string_view state) const;

  /// errc::code_refused (the IdP said no: replayed, expired, wrong verifier), errc::idp_unavailable.
  [[nodiscard]] boost::asio::awaitable<result<token_set>> redeem(std::string code, std::string verifier);
  /// errc::refresh_refused (invalid_grant: disabled, signed out, revoked), errc::idp_unavailable.
  [[nodiscard]] boost::asio::awaitable<result<token_set>> refresh(std::string refresh_token);

  /// errc::bad_token (with the jose reason logged), errc::tenant_not_allowed, errc::group_not_allowed,
  /// errc::no_role, errc::idp_unavailable (no keys). `nonce`: the expected nonce (sign-in) or
  /// nullopt (a refreshed ID token, whose subject the caller compares).
  [[nodiscard]] boost::asio::awaitable<result<identity>> validate_id_token(std::string token,
                                                                           std::optional<std::string> nonce);
  /// errc::bad_token, errc::idp_unavailable.
  [[nodiscard]] boost::asio::awaitable<result<logout_request>> validate_logout_token(std::string token);

 private:
  [[nodiscard]] boost::asio::awaitable<result<idp_metadata>> discover();
  [[nodiscard]] boost::asio::awaitable<result<token_set>> token_request(
      std::vector<std::pair<std::string, std::string>> form, bool refreshing);
  [[nodiscard]] boost::asio::awaitable<std::shared_ptr<jose::remote_jwks_cache>> keys();
  [[nodiscard]] result<identity> check_identity(const jose::claims& c, const std::optional<std::string>& nonce) const;

  const tenant_options& tenant_;
  net::http_client& http_;
  const core::clock& clock_;
  std::chrono::seconds max_age_;
  jwks_http_fetcher fetcher_;
  jose::token_validator id_tokens_;
  jose::token_validator logout_tokens_;
  std::string redirect_uri_;
  std::string post_logout_uri_;

  mutable std::mutex mutex_;
  std::optional<idp_metadata> metadata_;
  std::chrono::steady_clock::time_point fetched_{};
  std::shared_ptr<jose::remote_jwks_cache> keys_;
};

}  // namespace parley::desk::detail
