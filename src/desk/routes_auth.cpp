// The backend-for-frontend's own endpoints: sign-in (a navigation to the tenant's IdP), the
// callback (its redirect URI), sign-out's landing page and the IdP's back-channel logout.
// The browser only ever gets cookies and redirects; tokens stay here (docs/adr/0011-desk-bff.md).
#include "api_guard.hpp"
#include "secrets.hpp"
#include "service_impl.hpp"

#include <parley/crypto/primitives.hpp>
#include <parley/desk/error.hpp>
#include <parley/net/form.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace parley::desk {

using boost::asio::awaitable;

namespace {

constexpr std::size_t max_code = 2048;

net::response redirect(std::string location) {
  net::response r;
  r.status = 303;
  r.headers.set("Location", std::move(location));
  r.headers.set("Cache-Control", "no-store");
  return r;
}

// The short code the app shows for a failed sign-in (never more detail than this).
std::string_view app_error(const error_code& e) {
  if (e == errc::idp_unavailable || e == errc::bad_metadata) return "idp_unavailable";
  if (e == errc::no_role) return "no_role";
  if (e == errc::tenant_not_allowed || e == errc::group_not_allowed) return "not_allowed";
  if (e == errc::unknown_state) return "sign_in_expired";
  if (e == errc::idp_error) return "sign_in_cancelled";
  if (e.category() != desk_category()) return "unavailable";
  return "sign_in_failed";
}

std::string detail_json(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  boost::json::object o;
  for (const auto& [k, v] : fields) o[k] = v;
  return boost::json::serialize(o);
}

// An IdP's error code, if it is a plain token (it goes into an audit entry).
std::string error_token(std::string_view s) {
  if (s.empty() || s.size() > 64) return "other";
  for (const unsigned char c : s) {
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return "other";
  }
  return std::string(s);
}

awaitable<net::response> sign_in(std::shared_ptr<service> desk, const net::request& req) {
  auto& d = desk->internals();
  if (auto limited = d.sign_in_limiter.take(req.remote_address); !limited.allowed) {
    co_return net::too_many_requests(limited);
  }
  auto* provider = d.find_idp(req.param("tenant"));
  if (!provider) co_return net::error_response(net::errc::not_found, "no such desk tenant");
  auto meta = co_await provider->metadata();
  if (!meta) co_return redirect("/desk/?error=idp_unavailable");

  // The browser's sign-in secret: kept while valid, so that sign-ins in two tabs both work.
  std::string browser;
  if (auto c = net::find_cookie(req.headers, detail::sign_in_cookie); c && *c && detail::well_formed_token(**c)) {
    browser = std::string(**c);
  } else {
    browser = detail::random_token(d.deps.random);
  }
  const std::string state = detail::random_token(d.deps.random);
  store::desk_login pending{provider->tenant().id, detail::hash_ref("state", state),
                            detail::hash_ref("browser", browser), provider->tenant().issuer,
                            d.deps.clock.now() + d.opts.sign_in_timeout};
  if (auto stored = co_await d.deps.sessions.put_desk_login(std::move(pending)); !stored) {
    d.log->error("desk: tenant {}: sign-in not stored: {}", provider->tenant().id, stored.error().message());
    co_return redirect("/desk/?error=unavailable");
  }
  std::string verifier = detail::derive(browser, "pkce", state);
  auto r = redirect(provider->authorization_url(*meta, state, detail::derive(browser, "nonce", state),
                                                detail::pkce_challenge(verifier)));
  crypto::secure_wipe(verifier);
  // Lax: the IdP's redirect back to the callback is a cross-site navigation.
  r.headers.add("Set-Cookie", service::impl::cookie(detail::sign_in_cookie, std::move(browser), net::same_site::lax,
                                                    d.opts.sign_in_timeout));
  co_return r;
}

// The callback's checks, in order; any failure is audited and sent back to the app as a code.
awaitable<result<std::string>> complete_sign_in(service::impl& d, detail::idp& provider, const net::request& req,
                                                std::optional<detail::identity>& who) {
  const auto& tenant = provider.tenant();
  const std::string state(req.query.get("state").value_or(""));
  if (!detail::well_formed_token(state)) co_return make_error_code(errc::missing_state);
  // Single use: taken (deleted) whatever happens next, so a replayed callback finds nothing.
  // Named arguments only in co_await calls (GCC 12 destroys temporaries there twice, PR 99576).
  std::string state_ref = detail::hash_ref("state", state);
  auto pending = co_await d.deps.sessions.take_desk_login(tenant.id, std::move(state_ref));
  if (!pending) {
    co_return pending.error() == store::errc::not_found ? make_error_code(errc::unknown_state) : pending.error();
  }
  if (d.deps.clock.now() > pending->expires) co_return make_error_code(errc::unknown_state);
  auto browser = net::find_cookie(req.headers, detail::sign_in_cookie);
  if (!browser || !*browser || !detail::well_formed_token(**browser) ||
      !crypto::constant_time_equal(detail::hash_ref("browser", **browser), pending->browser_ref)) {
    co_return make_error_code(errc::browser_mismatch);
  }
  auto meta = co_await provider.metadata();
  if (!meta) co_return meta.error();
  // Mix-up defence (RFC 9700 §4.4, RFC 9207): the response must come from the IdP the state was
  // issued for; when the IdP promises `iss`, it must be there.
  const auto iss = req.query.get("iss");
  if (pending->issuer != tenant.issuer || (meta->iss_parameter_supported && !iss) || (iss && *iss != tenant.issuer)) {
    co_return make_error_code(errc::issuer_mismatch);
  }
  if (req.query.contains("error")) co_return make_error_code(errc::idp_error);
  std::string code(req.query.get("code").value_or(""));
  if (code.empty() || code.size() > max_code) co_return make_error_code(errc::code_refused);
  std::string verifier = detail::derive(**browser, "pkce", state);
  auto tokens = co_await provider.redeem(std::move(code), std::move(verifier));
  if (!tokens) co_return tokens.error();
  std::optional<std::string> nonce = detail::derive(**browser, "nonce", state);
  auto id = co_await provider.validate_id_token(tokens->id_token, std::move(nonce));
  if (!id) co_return id.error();
  who = *id;
  std::optional<std::string> previous;
  if (auto c = net::find_cookie(req.headers, detail::session_cookie); c && *c) previous = std::string(**c);
  std::string source(req.remote_address);
  co_return co_await d.sessions->create(tenant.id, *id, std::move(*tokens), std::move(previous), std::move(source));
}

awaitable<net::response> callback(std::shared_ptr<service> desk, const net::request& req) {
  auto& d = desk->internals();
  if (auto limited = d.sign_in_limiter.take(req.remote_address); !limited.allowed) {
    co_return net::too_many_requests(limited);
  }
  auto* provider = d.find_idp(req.param("tenant"));
  if (!provider) co_return net::error_response(net::errc::not_found, "no such desk tenant");
  std::optional<detail::identity> who;
  auto cookie = co_await complete_sign_in(d, *provider, req, who);
  if (!cookie) {
    const auto& e = cookie.error();
    desk::caller c;
    c.tenant_id = provider->tenant().id;
    c.source = std::string(req.remote_address);
    if (who) {
      c.actor = who->actor;
      c.role = who->role;
    }
    std::string details =
        e == errc::idp_error
            ? detail_json({{"reason", reason_name(errc::idp_error)},
                           {"idp_error", error_token(req.query.get("error").value_or(""))}})
            : detail_json({{"reason", e.category() == desk_category() ? reason_name(static_cast<errc>(e.value()))
                                                                      : std::string_view("unavailable")}});
    auto entry = detail::entry_for(c, "desk.sign_in_failed", {}, std::move(details));
    (void)co_await d.sessions->record(std::move(entry));
    d.log->info("desk: tenant {}: sign-in failed: {}", provider->tenant().id, e.message());
    co_return redirect("/desk/?error=" + std::string(app_error(e)));
  }
  auto r = redirect("/desk/");
  // Strict, and without Max-Age: gone with the browser; the server's timeouts bound it anyway.
  r.headers.add("Set-Cookie", service::impl::cookie(detail::session_cookie, std::move(*cookie), net::same_site::strict,
                                                    std::nullopt));
  r.headers.add("Set-Cookie",
                service::impl::cookie(detail::sign_in_cookie, "", net::same_site::lax, std::chrono::seconds{0}));
  co_return r;
}

// The post-logout redirect URI: back from the IdP's end_session_endpoint with our `state`.
awaitable<net::response> signed_out(std::shared_ptr<service>, const net::request& req) {
  const auto state = req.query.get("state");
  auto expected = net::find_cookie(req.headers, detail::logout_cookie);
  const bool ours = state && expected && *expected && detail::well_formed_token(**expected) &&
                    crypto::constant_time_equal(*state, **expected);
  auto r = redirect(ours ? "/desk/?signed_out=idp" : "/desk/?signed_out=1");
  r.headers.add("Set-Cookie",
                service::impl::cookie(detail::logout_cookie, "", net::same_site::lax, std::chrono::seconds{0}));
  co_return r;
}

// OIDC Back-Channel Logout 1.0 §2.5-2.8: a form POST from the IdP with one logout_token.
awaitable<net::response> back_channel(std::shared_ptr<service> desk, const net::request& req) {
  auto& d = desk->internals();
  auto answer = [](int status, std::string_view error) {
    net::response r =
        error.empty() ? net::empty_response(200) : net::json_response(status, boost::json::object{{"error", error}});
    r.status = status;
    r.headers.set("Cache-Control", "no-store");
    return r;
  };
  auto* provider = d.find_idp(req.param("tenant"));
  if (!provider) co_return answer(400, "invalid_request");
  if (!net::is_form(req)) co_return answer(400, "invalid_request");
  auto form = net::parse_form(req.body, 8);
  if (!form || form->size() != 1 || !form->get("logout_token")) co_return answer(400, "invalid_request");
  std::string token(*form->get("logout_token"));  // a named argument: GCC 12, PR 99576
  auto request = co_await provider->validate_logout_token(std::move(token));
  if (!request) co_return answer(400, "invalid_request");
  auto ended = co_await d.sessions->back_channel_logout(provider->tenant().id, *request);
  if (!ended) {
    if (ended.error() == errc::bad_token) co_return answer(400, "invalid_request");
    co_return answer(400, "server_error");  // §2.8: a logout that failed is a 400 too
  }
  d.log->info("desk: tenant {}: back-channel logout ended {} session(s)", provider->tenant().id, *ended);
  co_return answer(200, {});
}

// The sign-in choices of the app's first page: each tenant's id and display name (public).
net::response tenant_list(const service::impl& d) {
  boost::json::array items;
  for (const auto& t : d.opts.tenants) items.push_back(boost::json::object{{"id", t.id}, {"name", t.name}});
  auto r = net::json_response(200, boost::json::object{{"tenants", std::move(items)}});
  r.headers.set("Cache-Control", "no-cache");
  return r;
}

}  // namespace

void add_auth_routes(net::router& r, const std::shared_ptr<service>& desk) {
  r.get("/desk/tenants",
        [desk](const net::request&) -> awaitable<net::response> { co_return tenant_list(desk->internals()); },
        {.max_body_bytes = 0});
  r.get("/desk/login/{tenant}", [desk](const net::request& req) { return sign_in(desk, req); }, {.max_body_bytes = 0});
  r.get("/desk/callback/{tenant}", [desk](const net::request& req) { return callback(desk, req); },
        {.max_body_bytes = 0});
  r.get("/desk/signed-out", [desk](const net::request& req) { return signed_out(desk, req); }, {.max_body_bytes = 0});
  r.post("/desk/backchannel-logout/{tenant}", [desk](const net::request& req) { return back_channel(desk, req); },
         {.max_body_bytes = 16 * 1024});
}

}  // namespace parley::desk
