// The guard in front of every /desk/api/ route (api.hpp).
#include "api_guard.hpp"
#include "service_impl.hpp"

#include <parley/desk/error.hpp>
#include <parley/store/conversation_store.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace parley::desk {

using boost::asio::awaitable;

namespace detail {

net::response no_session_response() {
  auto r = net::error_response(net::errc::unauthorized, "SessionEnded", "not signed in, or the session ended");
  r.headers.add("Set-Cookie",
                service::impl::cookie(session_cookie, "", net::same_site::strict, std::chrono::seconds{0}));
  return r;
}

net::response unavailable_response() {
  auto r = net::error_response(net::errc::service_unavailable, "the desk cannot record or check this right now");
  r.headers.set("Retry-After", "5");
  return r;
}

net::response failure_response(const error_code& e) {
  if (e == errc::no_session) return no_session_response();
  return unavailable_response();
}

bool is_state_changing(net::method m) noexcept {
  return m != net::method::get && m != net::method::head && m != net::method::options;
}

std::optional<net::response> check_request_origin(const service::impl& desk, const net::request& req, bool require) {
  const auto origin = req.headers.get("origin");
  if (!origin) {
    if (!require) return std::nullopt;
    return net::error_response(net::errc::forbidden, "Origin required");
  }
  if (!desk.origin_allowed(*origin)) return net::error_response(net::errc::forbidden, "Origin not allowed");
  return std::nullopt;
}

awaitable<result<active_session>> authenticate(service::impl& desk, const net::request& req, bool activity) {
  auto cookie = net::find_cookie(req.headers, session_cookie);
  if (!cookie || !*cookie) co_return make_error_code(errc::no_session);
  // Named arguments only in co_await calls (GCC 12 destroys temporaries there twice, PR 99576).
  std::string value(**cookie);
  std::string source(req.remote_address);
  co_return co_await desk.sessions->authenticate(std::move(value), activity, std::move(source));
}

}  // namespace detail

void api::add(net::router& r, net::method m, std::string_view pattern, api_handler h, api_route_options o) const {
  PARLEY_CHECK(pattern.rfind("/desk/api/", 0) == 0, "desk API routes live under /desk/api/");
  net::route_options ro;
  ro.max_body_bytes = o.max_body_bytes;
  ro.json_body = o.json_body;
  auto desk = desk_;
  r.add(
      m, pattern,
      [desk, h = std::move(h), o, pattern = std::string(pattern)](const net::request& req) -> awaitable<net::response> {
        auto& d = desk->internals();
        // CSRF: a static custom header no other origin can send without a preflight we refuse.
        const auto csrf = req.headers.get(detail::csrf_header);
        if (!csrf || *csrf != "1")
          co_return net::error_response(net::errc::forbidden, "CsrfHeaderMissing", "missing the X-Parley-Desk header");
        if (auto bad = detail::check_request_origin(d, req, detail::is_state_changing(req.method)))
          co_return std::move(*bad);
        auto session = co_await detail::authenticate(d, req, o.activity);
        if (!session) co_return detail::failure_response(session.error());
        const auto& who = session->caller;
        if (who.role < o.minimum) {
          boost::json::object details;
          details["route"] = pattern;
          details["needs"] = to_string(o.minimum);
          auto entry = detail::entry_for(who, "desk.access_denied", {}, boost::json::serialize(details));
          (void)co_await d.sessions->record(std::move(entry));
          co_return net::error_response(net::errc::forbidden, "your role does not allow this");
        }
        co_return co_await h(req, who);
      },
      ro);
}

}  // namespace parley::desk
