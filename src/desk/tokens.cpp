// An identity provider's ID and logout tokens, checked (idp.hpp). The signature, issuer,
// audience, algorithm, type and times are jose's profile; the rest is OpenID Connect Core 1.0
// §3.1.3.7 (azp, nonce), OIDC Back-Channel Logout 1.0 §2.6, Entra ID's `tid` and the role mapping.
#include "idp.hpp"
#include "secrets.hpp"

#include <parley/core/log.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/desk/error.hpp>

#include <algorithm>

namespace parley::desk::detail {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_claim = 255;
constexpr std::string_view logout_event = "http://schemas.openid.net/event/backchannel-logout";

std::shared_ptr<spdlog::logger> log() {
  static auto l = core::logger("desk");
  return l;
}

// A claim that is a string or an array of strings, as a list (Entra writes arrays; some IdPs
// write a single group as a string).
std::vector<std::string> string_list(const jose::claims& c, std::string_view name) {
  if (auto list = c.strings(name)) return *list;
  if (auto one = c.string(name)) return {std::string(*one)};
  return {};
}

bool intersects(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  return std::any_of(have.begin(), have.end(),
                     [&](const std::string& h) { return std::find(want.begin(), want.end(), h) != want.end(); });
}

// Printable, bounded text for display (never used for decisions).
std::string display_name(const jose::claims& c) {
  std::string_view raw = c.string("name").value_or(c.string("preferred_username").value_or("Consultant"));
  std::string out;
  for (const unsigned char ch : raw.substr(0, 100)) {
    if (ch >= 0x20 && ch != 0x7f) out.push_back(static_cast<char>(ch));
  }
  return out.empty() ? std::string("Consultant") : out;
}

}  // namespace

result<identity> idp::check_identity(const jose::claims& c, const std::optional<std::string>& nonce) const {
  const auto sub = c.subject().value_or("");
  if (sub.empty() || sub.size() > max_claim) return make_error_code(errc::bad_token);
  // OIDC Core §3.1.3.7 (4, 5): with several audiences azp is required; when present it is us.
  const auto azp = c.string("azp");
  if (c.audiences().size() > 1 && !azp) return make_error_code(errc::bad_token);
  if (azp && *azp != tenant_.client_id) return make_error_code(errc::bad_token);
  if (nonce) {
    const auto got = c.string("nonce");
    if (!got || !crypto::constant_time_equal(*got, *nonce)) return make_error_code(errc::bad_token);
  }
  if (!tenant_.tid_allowlist.empty()) {
    const auto tid = c.string("tid");
    if (!tid ||
        std::find(tenant_.tid_allowlist.begin(), tenant_.tid_allowlist.end(), *tid) == tenant_.tid_allowlist.end()) {
      return make_error_code(errc::tenant_not_allowed);
    }
  }
  if (!tenant_.allowed_groups.empty() && !intersects(string_list(c, "groups"), tenant_.allowed_groups)) {
    return make_error_code(errc::group_not_allowed);
  }
  const auto values = string_list(c, tenant_.role_claim);
  std::optional<desk::role> role;
  if (intersects(values, tenant_.consultant)) role = desk::role::consultant;
  if (intersects(values, tenant_.supervisor)) role = desk::role::supervisor;
  if (intersects(values, tenant_.admin)) role = desk::role::admin;
  if (!role) return make_error_code(errc::no_role);
  identity id;
  id.issuer = tenant_.issuer;
  id.subject = std::string(sub);
  id.actor = actor_id(id.issuer, id.subject);
  id.name = display_name(c);
  id.role = *role;
  if (auto sid = c.string("sid"); sid && !sid->empty() && sid->size() <= max_claim) id.sid = std::string(*sid);
  return id;
}

awaitable<result<identity>> idp::validate_id_token(std::string token, std::optional<std::string> nonce) {
  auto keys = co_await this->keys();
  if (!keys) co_return make_error_code(errc::idp_unavailable);
  auto v = co_await id_tokens_.validate(token, *keys);
  crypto::secure_wipe(token);
  if (!v) {
    log()->warn("desk: tenant {}: ID token refused: {}", tenant_.id, v.error().message());
    co_return make_error_code(errc::bad_token);
  }
  auto id = check_identity(v->claims(), nonce);
  if (!id) log()->warn("desk: tenant {}: ID token refused: {}", tenant_.id, id.error().message());
  co_return id;
}

awaitable<result<logout_request>> idp::validate_logout_token(std::string token) {
  auto keys = co_await this->keys();
  if (!keys) co_return make_error_code(errc::idp_unavailable);
  auto v = co_await logout_tokens_.validate(token, *keys);
  crypto::secure_wipe(token);
  if (!v) {
    log()->warn("desk: tenant {}: logout token refused: {}", tenant_.id, v.error().message());
    co_return make_error_code(errc::bad_token);
  }
  const auto& c = v->claims();
  auto refuse = [&](const char* why) -> result<logout_request> {
    log()->warn("desk: tenant {}: logout token refused: {}", tenant_.id, why);
    return make_error_code(errc::bad_token);
  };
  const auto events = c.object("events");
  if (!events || !events->object(logout_event)) co_return refuse("no back-channel logout event");
  if (c.has("nonce")) co_return refuse("it carries a nonce (an ID token?)");
  logout_request out;
  out.subject = std::string(c.subject().value_or(""));
  out.sid = std::string(c.string("sid").value_or(""));
  out.jti = std::string(c.id().value_or(""));
  if (out.subject.empty() && out.sid.empty()) co_return refuse("neither sub nor sid");
  if (out.subject.size() > max_claim || out.sid.size() > max_claim || out.jti.empty() || out.jti.size() > max_claim) {
    co_return refuse("a claim is too long or jti is empty");
  }
  out.expires = c.expires_at().value_or(clock_.now() + std::chrono::hours{1});
  co_return out;
}

}  // namespace parley::desk::detail
