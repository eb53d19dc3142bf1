// The Login API (docs/login-api.yaml): the bot's side of the login, behind client credentials.
#include "routes_impl.hpp"

#include <parley/core/log.hpp>

namespace bankx::detail {
namespace {

bool conversation_ref_ok(std::string_view ref) {
  return ref.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") ==
         std::string_view::npos;
}

json::object poll_body(const poll_result& r) {
  json::object o;
  o["status"] = to_string(r.status);
  if (r.status == login_status::pending || r.status == login_status::slow_down) o["interval"] = r.interval.count();
  if (r.access) {
    o["accessToken"] = r.access->token;
    o["tokenType"] = "Bearer";
    o["expiresIn"] = r.access->expires_in.count();
  }
  return o;
}

net::response start_login(bank& b, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"customerId", "method", "conversationRef"}, problem);
  if (!body) return error(body.error(), problem);
  const auto id_text = text_member(*body, "customerId", 256);
  const auto customer_id = id_text ? normalise_customer_id(*id_text) : std::nullopt;
  if (!customer_id) {
    return error(errc::invalid_request, "customerId must be 1..64 characters of letters, digits and . _ @ + -");
  }
  const auto method_text = parley::core::get_string(*body, "method");
  const auto method = method_text ? parse_login_method(*method_text) : std::nullopt;
  if (!method) return error(errc::invalid_request, "method must be one of push, ussd, otp_sms, otp_email, totp");
  const auto ref = text_member(*body, "conversationRef", 128);
  if (!ref || !conversation_ref_ok(*ref)) {
    return error(errc::invalid_request, "conversationRef must be 1..128 characters of letters, digits and . _ : -");
  }
  refusal details;
  auto started = b.logins().start({*customer_id, *method, std::string(*ref)}, &details);
  if (!started) return error(started.error(), "login refused", &details);
  json::object o;
  o["pollingToken"] = started->polling_token;
  o["interval"] = started->interval.count();
  o["expiresIn"] = started->expires_in.count();
  if (!started->otp_sent_to.empty()) o["otpSentTo"] = started->otp_sent_to;
  if (started->otp_length > 0) o["otpLength"] = started->otp_length;
  return net::json_response(200, o);
}

std::optional<std::string_view> polling_token(const json::object& body) { return text_member(body, "pollingToken", 128); }

net::response poll_login(bank& b, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"pollingToken"}, problem);
  if (!body) return error(body.error(), problem);
  const auto token = polling_token(*body);
  if (!token) return error(errc::invalid_request, "pollingToken must be a string");
  auto r = b.logins().poll(*token);
  if (!r) return error(r.error(), "try again");
  return net::json_response(200, poll_body(*r));
}

net::response verify_otp(bank& b, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"pollingToken", "otp"}, problem);
  if (!body) return error(body.error(), problem);
  const auto token = polling_token(*body);
  if (!token) return error(errc::invalid_request, "pollingToken must be a string");
  const auto otp = text_member(*body, "otp", 16);
  if (!otp) return error(errc::invalid_request, "otp must be a string of digits");
  refusal details;
  auto r = b.logins().verify_otp(*token, *otp, &details);
  if (!r) {
    if (r.error().category() != bankx_category()) return error(r.error(), "");
    const auto e = static_cast<errc>(r.error().value());
    std::string_view message = "login refused";
    if (e == errc::invalid_otp) message = details.attempts_left > 0 ? "wrong code" : "wrong code; the login is denied";
    if (e == errc::invalid_request) message = "otp must be the digits of the code, as many as otpLength";
    if (e == errc::otp_not_expected) message = "this login is approved on the phone, not with a code";
    if (e == errc::too_many_attempts) message = "too many code attempts; try again later";
    return error(e, message, &details);
  }
  return net::json_response(200, poll_body(*r));
}

net::response logout(bank& b, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"accessToken"}, problem);
  if (!body) return error(body.error(), problem);
  const auto token = text_member(*body, "accessToken", 128);
  if (!token) return error(errc::invalid_request, "accessToken must be a string");
  b.logins().logout(*token);
  return net::empty_response(204);
}

}  // namespace

void add_login_routes(net::router& r, const std::shared_ptr<bank>& b) {
  using fn = net::response (*)(bank&, const net::request&);
  const std::pair<std::string_view, fn> routes[] = {
      {"/startLogin", start_login}, {"/pollLogin", poll_login}, {"/verifyOtp", verify_otp}, {"/logout", logout}};
  for (const auto& [path, handler] : routes) {
    r.post(std::string(api_base_path) + std::string(path), adapt([b, handler = handler](const net::request& req) {
             const auto creds = basic_auth(req);
             if (!creds || !b->client_credentials_valid(creds->id, creds->secret)) {
               parley::core::logger("bankx")->warn("Login API: client authentication failed (connection {})",
                                                   req.connection_id);
               return error(errc::invalid_client, "client authentication failed");
             }
             return handler(*b, req);
           }),
           api_route_options());
  }
}

}  // namespace bankx::detail
