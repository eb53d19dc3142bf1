// The demo phone: its page (embedded files) and the JSON API of "the bank's own app back end".
// It is not part of the Login API and the bot may not call it: every call but the customer list
// and opening a session needs a phone session token ("bxd_"), which neither the bot's client
// credentials nor an access token can stand in for.
#include "routes_impl.hpp"

#include <parley/core/log.hpp>

namespace bankx::detail {
namespace {

// The phone page's own policy, stricter than the server default: nothing but same-origin script,
// style and fetch.
constexpr std::string_view page_csp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

json::array methods_json(const customer& c) {
  json::array a;
  for (auto m : c.methods) a.push_back(json::string(to_string(m)));
  return a;
}

json::object customer_json(const customer& c) {
  json::object o;
  o["id"] = c.id;
  o["name"] = c.name;
  o["methods"] = methods_json(c);
  return o;
}

json::object authenticator_json(const authenticator_view& v) {
  json::object o;
  using st = authenticator_view::state;
  o["status"] = v.status == st::none ? "none" : v.status == st::pending ? "pending" : "active";
  if (v.status != st::none) {
    o["secret"] = v.secret_base32;
    o["otpauthUri"] = v.otpauth_uri;
    o["currentCode"] = v.current_code;
    o["secondsLeft"] = v.seconds_left;
  }
  return o;
}

net::response serve_asset(std::string_view name) {
  const asset* a = phone_asset(name);
  if (!a) return error(errc::not_found, "not found");
  net::response r;
  r.headers.set("Content-Type", std::string(a->content_type));
  r.headers.set("Cache-Control", "no-cache");
  if (a->content_type.starts_with("text/html")) r.headers.set("Content-Security-Policy", std::string(page_csp));
  r.body = std::string(a->content);
  return r;
}

net::response list_customers(bank& b, const net::request&) {
  json::array list;
  for (const auto& c : b.customers()) list.push_back(customer_json(c));
  return net::json_response(200, json::value{{"customers", std::move(list)}});
}

net::response open_session(bank& b, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"customerId"}, problem);
  if (!body) return error(body.error(), problem);
  const auto id = text_member(*body, "customerId", 64);
  const customer* c = id ? b.find_customer(*id) : nullptr;
  if (!c) return error(errc::not_found, "no such customer");
  auto issued = b.phone_sessions().issue(c->id);
  if (!issued) return error(issued.error(), "try again later");
  parley::core::logger("bankx")->info("phone app session {} opened for customer {}", token_log_id(issued->token), c->id);
  json::object o;
  o["sessionToken"] = issued->token;
  o["expiresIn"] = issued->expires_in.count();
  o["customer"] = customer_json(*c);
  return net::json_response(201, o);
}

using session_fn = net::response (*)(bank&, const customer&, const net::request&);

net::response state(bank& b, const customer& c, const net::request&) {
  json::array requests;
  for (const auto& r : b.logins().pending_requests(c.id)) {
    json::object o;
    o["id"] = r.id;
    o["method"] = to_string(r.method);
    o["createdAt"] = rfc3339(r.created);
    o["expiresIn"] = r.expires_in.count();
    requests.push_back(std::move(o));
  }
  json::array sms, mail;
  for (const auto& m : b.messages().messages(c.id)) {
    json::object o;
    o["to"] = m.to;
    o["text"] = m.text;
    o["sentAt"] = rfc3339(m.sent);
    if (m.channel == outbox_message::kind::email) {
      o["subject"] = m.subject;
      mail.push_back(std::move(o));
    } else {
      sms.push_back(std::move(o));
    }
  }
  json::object o;
  o["customer"] = customer_json(c);
  o["requests"] = std::move(requests);
  o["sms"] = std::move(sms);
  o["mail"] = std::move(mail);
  o["authenticator"] = authenticator_json(b.authenticators().view(c.id));
  return net::json_response(200, o);
}

net::response decide(bank& b, const customer& c, const net::request& req, bool approve) {
  auto r = b.logins().decide(c.id, req.param("id"), approve);
  if (!r) {
    return error(r.error(), r.error() == errc::not_found ? "no such login request" : "the login request is no longer pending");
  }
  return net::empty_response(204);
}

net::response approve(bank& b, const customer& c, const net::request& req) { return decide(b, c, req, true); }
net::response deny(bank& b, const customer& c, const net::request& req) { return decide(b, c, req, false); }

net::response ussd(bank& b, const customer& c, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"input"}, problem);
  if (!body) return error(body.error(), problem);
  const auto input = parley::core::get_string(*body, "input");
  if (input != std::optional<std::string_view>("1") && input != std::optional<std::string_view>("2")) {
    return error(errc::invalid_request, "BankX: Invalid input. Session ended.");
  }
  const bool accept = *input == "1";
  auto r = b.logins().decide(c.id, req.param("id"), accept);
  if (!r) return error(r.error(), "BankX: This request has ended.");
  return net::json_response(200, json::value{{"reply", accept ? "BankX: Login accepted. You can continue in the chat."
                                                              : "BankX: Login declined."}});
}

net::response enrol(bank& b, const customer& c, const net::request&) {
  auto v = b.authenticators().enrol(c.id);
  parley::core::logger("bankx")->info("authenticator enrolment started for customer {}", c.id);
  return net::json_response(200, authenticator_json(v));
}

net::response confirm(bank& b, const customer& c, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"code"}, problem);
  if (!body) return error(body.error(), problem);
  const auto code = text_member(*body, "code", 16);
  if (!code) return error(errc::invalid_request, "code must be a string");
  auto v = b.authenticators().confirm(c.id, *code);
  if (!v) return error(v.error(), v.error() == errc::not_found ? "no authenticator enrolment is pending" : "wrong code");
  parley::core::logger("bankx")->info("authenticator activated for customer {}", c.id);
  return net::json_response(200, authenticator_json(*v));
}

net::response end_session(bank& b, const customer&, const net::request& req) {
  b.phone_sessions().revoke(*bearer_token(req));
  return net::empty_response(204);
}

}  // namespace

void add_phone_routes(net::router& r, const std::shared_ptr<bank>& b) {
  const auto opts = api_route_options();
  r.get("/", adapt([](const net::request&) {
    net::response resp;
    resp.status = 303;
    resp.headers.set("Location", std::string(phone_page_path));
    return resp;
  }), opts);
  r.get("/app/", adapt([](const net::request&) { return serve_asset("index.html"); }), opts);
  r.get("/app/{name}", adapt([](const net::request& req) { return serve_asset(req.param("name")); }), opts);
  r.get("/app/api/customers", adapt([b](const net::request& req) { return list_customers(*b, req); }), opts);
  r.post("/app/api/session", adapt([b](const net::request& req) { return open_session(*b, req); }), opts);

  auto session = [&b](session_fn fn) {
    return adapt([b, fn](const net::request& req) {
      const auto token = bearer_token(req);
      auto id = token ? b->phone_sessions().validate(*token) : parley::result<std::string>(errc::invalid_session);
      const customer* c = id ? b->find_customer(*id) : nullptr;
      if (!c) return error(errc::invalid_session, "open the app for a customer first");
      return fn(*b, *c, req);
    });
  };
  r.get("/app/api/state", session(state), opts);
  r.post("/app/api/requests/{id}/approve", session(approve), opts);
  r.post("/app/api/requests/{id}/deny", session(deny), opts);
  r.post("/app/api/requests/{id}/ussd", session(ussd), opts);
  r.post("/app/api/authenticator/enrol", session(enrol), opts);
  r.post("/app/api/authenticator/confirm", session(confirm), opts);
  r.post("/app/api/logout", session(end_session), opts);
}

}  // namespace bankx::detail
