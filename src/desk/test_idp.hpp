// Test helper (desk's own tests): an OpenID Connect provider behind the outbound-client seam. It
// answers discovery, JWKS and the token endpoint for one issuer, checks client authentication,
// redirect URI, PKCE S256 and single use of codes as a real IdP does, and signs real ID and
// logout tokens (RS256) whose claims a test may tamper with. Several fake_idps share one
// `router_client` (one outbound client, like the desk's). Thread-safe.
#pragma once

#include <parley/core/base64.hpp>
#include <parley/core/clock.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/jose/token.hpp>
#include <parley/net/client.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace parley::desk::testing {

struct fake_account {
  std::string sub;
  std::string name;
  std::vector<std::string> roles;
  std::vector<std::string> groups;
  std::string tid;
  bool disabled = false;
};

class fake_idp {
 public:
  fake_idp(std::string issuer, std::string client_id, std::string client_secret, const core::clock& clock)
      : issuer_(std::move(issuer)),
        client_id_(std::move(client_id)),
        secret_(std::move(client_secret)),
        clock_(clock) {}

  [[nodiscard]] const std::string& issuer() const { return issuer_; }
  [[nodiscard]] const jose::signing_key& key() const { return key_; }
  void add_account(fake_account a) {
    std::lock_guard lock(mutex_);
    accounts_[a.sub] = std::move(a);
  }
  void disable(const std::string& sub) {
    std::lock_guard lock(mutex_);
    accounts_[sub].disabled = true;
  }
  void set_roles(const std::string& sub, std::vector<std::string> roles) {
    std::lock_guard lock(mutex_);
    accounts_[sub].roles = std::move(roles);
  }
  /// Changes the claims of every later ID token (after the standard ones are set).
  void tamper(std::function<void(jose::claims&)> f) {
    std::lock_guard lock(mutex_);
    tamper_ = std::move(f);
  }
  /// Signs later ID tokens with `other` (another IdP's key) instead of this IdP's.
  void sign_with(std::optional<jose::signing_key> other) {
    std::lock_guard lock(mutex_);
    other_key_ = std::move(other);
  }
  /// Metadata changes: drop `iss` support, or the token endpoint down (500).
  bool iss_parameter_supported = true;
  bool token_endpoint_down = false;
  std::string metadata_issuer;  ///< empty: the real issuer
  std::string sid = "idp-session-1";

  /// What the user's browser would get back from the authorization endpoint: parses the
  /// authorization URL the desk redirected to and returns the redirect URI with code, state and
  /// iss (or nullopt if the request breaks a rule: no PKCE S256, wrong client, implicit...).
  std::optional<std::string> authorize(const std::string& url, const std::string& sub) {
    auto u = boost::urls::parse_absolute_uri(url);
    if (!u) return std::nullopt;
    std::map<std::string, std::string> p;
    for (auto param : u->params()) p[std::string(param.key)] = std::string(param.value);
    if (p["response_type"] != "code" || p["client_id"] != client_id_ || p["code_challenge_method"] != "S256" ||
        p["code_challenge"].empty() || p["state"].empty() || p["nonce"].empty()) {
      return std::nullopt;
    }
    std::lock_guard lock(mutex_);
    const std::string code = "code-" + std::to_string(++counter_);
    codes_[code] = pending{sub, p["nonce"], p["code_challenge"], p["redirect_uri"]};
    return p["redirect_uri"] + "?code=" + code + "&state=" + p["state"] + "&iss=" + pct(issuer_);
  }

  /// A logout token (OIDC Back-Channel Logout) for `sub` and/or `sid`; `tweak` may break it.
  std::string logout_token(const std::string& sub, const std::string& session_id,
                           const std::function<void(jose::claims&)>& tweak = {}, std::string typ = "logout+jwt") {
    jose::claims c;
    c.set("iss", issuer_).set("aud", client_id_).set_time("iat", clock_.now());
    c.set_time("exp", clock_.now() + std::chrono::minutes{2});
    c.set("jti", "jti-" + std::to_string(++counter_));
    jose::claims events;
    events.set("http://schemas.openid.net/event/backchannel-logout", jose::claims{});
    c.set("events", events);
    if (!sub.empty()) c.set("sub", sub);
    if (!session_id.empty()) c.set("sid", session_id);
    if (tweak) tweak(c);
    return *jose::sign(c, key_, typ);
  }

  /// An ID token for `sub` as the token endpoint would issue it (for direct validation tests).
  std::string id_token(const std::string& sub, const std::string& nonce) {
    std::lock_guard lock(mutex_);
    return id_token_locked(sub, nonce);
  }

  /// Answers one request if it is for this IdP (by URL prefix).
  std::optional<result<net::client_response>> handle(const net::client_request& req) {
    if (req.url.rfind(issuer_ + "/", 0) != 0) return std::nullopt;
    const std::string path = req.url.substr(issuer_.size());
    std::lock_guard lock(mutex_);
    ++requests_;
    if (path == "/.well-known/openid-configuration") return json(200, metadata());
    if (path == "/jwks") {
      auto set = jose::jwks::make({jose::jwk{key_.public_part(), key_.kid(), {}, {}}});
      return text(200, jose::to_json(*set));
    }
    if (path == "/token") return token(req);
    return text(404, "{}");
  }

  [[nodiscard]] std::size_t requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  struct pending {
    std::string sub, nonce, challenge, redirect_uri;
  };

  static std::string pct(std::string_view s) {
    std::string out;
    for (const unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  }
  static result<net::client_response> json(int status, const boost::json::object& o) {
    return text(status, boost::json::serialize(o));
  }
  static result<net::client_response> text(int status, std::string body) {
    net::client_response r;
    r.status = status;
    r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
  }
  boost::json::object metadata() const {
    boost::json::object o;
    o["issuer"] = metadata_issuer.empty() ? issuer_ : metadata_issuer;
    o["authorization_endpoint"] = issuer_ + "/auth";
    o["token_endpoint"] = issuer_ + "/token";
    o["jwks_uri"] = issuer_ + "/jwks";
    o["end_session_endpoint"] = issuer_ + "/session/end";
    o["response_types_supported"] = boost::json::array{"code"};
    o["code_challenge_methods_supported"] = boost::json::array{"S256"};
    o["authorization_response_iss_parameter_supported"] = iss_parameter_supported;
    return o;
  }
  std::string id_token_locked(const std::string& sub, const std::string& nonce) {
    const auto& a = accounts_[sub];
    jose::claims c;
    c.set("iss", issuer_).set("aud", client_id_).set("sub", sub).set("name", a.name);
    c.set_time("iat", clock_.now()).set_time("exp", clock_.now() + std::chrono::hours{1});
    if (!nonce.empty()) c.set("nonce", nonce);
    c.set("roles", a.roles).set("groups", a.groups).set("sid", sid);
    if (!a.tid.empty()) c.set("tid", a.tid);
    if (tamper_) tamper_(c);
    return *jose::sign(c, other_key_ ? *other_key_ : key_, "JWT");
  }
  static std::map<std::string, std::string> form(std::string_view body) {
    std::map<std::string, std::string> out;
    while (!body.empty()) {
      const auto amp = body.find('&');
      const auto pair = body.substr(0, amp);
      body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
      const auto eq = pair.find('=');
      std::string k(pair.substr(0, eq)), v(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      std::string dv;
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') {
          dv.push_back(' ');
        } else if (v[i] == '%' && i + 2 < v.size()) {
          dv.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          dv.push_back(v[i]);
        }
      }
      out[k] = dv;
    }
    return out;
  }
  result<net::client_response> token(const net::client_request& req) {
    if (token_endpoint_down) return text(500, "{}");
    auto f = form(req.body);
    // client_secret_basic with form-encoded id and secret (RFC 6749 §2.3.1).
    const auto auth = req.headers.get("Authorization");
    const std::string expected = "Basic " + core::base64_encode(crypto::as_bytes(client_id_ + ":" + secret_));
    if (!auth || *auth != expected) return text(401, R"({"error":"invalid_client"})");
    if (f["grant_type"] == "authorization_code") {
      auto it = codes_.find(f["code"]);
      if (it == codes_.end()) return text(400, R"({"error":"invalid_grant"})");
      const pending p = it->second;
      codes_.erase(it);  // single use
      if (p.redirect_uri != f["redirect_uri"]) return text(400, R"({"error":"invalid_grant"})");
      if (core::base64url_encode(crypto::sha256(f["code_verifier"])) != p.challenge) {
        return text(400, R"({"error":"invalid_grant"})");
      }
      const std::string refresh = "rt-" + std::to_string(++counter_);
      refresh_[refresh] = p.sub;
      boost::json::object o;
      o["id_token"] = id_token_locked(p.sub, p.nonce);
      o["refresh_token"] = refresh;
      o["token_type"] = "Bearer";
      return json(200, o);
    }
    if (f["grant_type"] == "refresh_token") {
      auto it = refresh_.find(f["refresh_token"]);
      if (it == refresh_.end() || accounts_[it->second].disabled) return text(400, R"({"error":"invalid_grant"})");
      boost::json::object o;
      o["id_token"] = id_token_locked(it->second, "");
      o["token_type"] = "Bearer";
      return json(200, o);
    }
    return text(400, R"({"error":"unsupported_grant_type"})");
  }

  std::string issuer_, client_id_, secret_;
  const core::clock& clock_;
  jose::signing_key key_ = *jose::signing_key::generate(jose::algorithm::rs256);
  std::optional<jose::signing_key> other_key_;
  mutable std::mutex mutex_;
  std::map<std::string, fake_account> accounts_;
  std::map<std::string, pending> codes_;
  std::map<std::string, std::string> refresh_;
  std::function<void(jose::claims&)> tamper_;
  std::size_t counter_ = 0;
  std::size_t requests_ = 0;
};

/// The desk's one outbound client, answered by whichever fake_idp owns the URL; can be cut off.
class router_client final : public net::http_client {
 public:
  void add(fake_idp& idp) { idps_.push_back(&idp); }
  bool offline = false;
  boost::asio::awaitable<result<net::client_response>> send(net::client_request req) override {
    if (offline) co_return make_error_code(net::errc::connect_failed);
    for (auto* idp : idps_) {
      if (auto r = idp->handle(req)) co_return std::move(*r);
    }
    co_return make_error_code(net::errc::connect_failed);
  }

 private:
  std::vector<fake_idp*> idps_;
};

}  // namespace parley::desk::testing
