#include <parley/bot/client_api.hpp>

#include "url_util.hpp"

#include <parley/bot/error.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>
#include <parley/core/log.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace parley::bot {
namespace {

namespace json = boost::json;
using assistant::action_result;
using assistant::action_status;

action_result outcome(const assistant::action& a, action_status status, std::string reason) {
  action_result r;
  r.action_id = a.id;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64() || v.is_uint64() || v.is_double()) return json::serialize(v);
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return {};
}

// A machine reason from an error body {"error":{"code":"..."}} (or {"error":"..."}), if it looks
// like a code; the assistant logs it only in that shape anyway.
std::string error_code_of(std::string_view body) {
  auto o = core::parse_json_object(body, {.max_bytes = 64 * 1024, .max_depth = 8});
  if (!o) return {};
  const json::value* code = nullptr;
  if (const auto* e = o->if_contains("error")) code = e->is_object() ? e->get_object().if_contains("code") : e;
  if (code == nullptr || !code->is_string() || code->get_string().size() > 64) return {};
  return std::string(code->get_string());
}

// An Idempotency-Key that is the same for a retried action of one conversation and different
// across conversations, without putting the conversation id into the bank's logs.
std::string idempotency_key(const conversation_ref& c, std::string_view action_id) {
  const auto d = crypto::sha256(c.tenant_id + "\n" + c.conversation_id + "\n" + std::string(action_id));
  return core::base64url_encode(std::span<const std::uint8_t>(d.data(), 24));
}

// The path with {slot} segments replaced, or nullopt when a slot is missing.
std::optional<std::string> expand_path(std::string_view tmpl, const std::map<std::string, std::string>& args) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '{') {
      out.push_back(tmpl[i++]);
      continue;
    }
    const auto end = tmpl.find('}', i);
    if (end == std::string_view::npos) return std::nullopt;
    const auto it = args.find(std::string(tmpl.substr(i + 1, end - i - 1)));
    if (it == args.end()) return std::nullopt;
    out += encode_segment(it->second);
    i = end + 1;
  }
  return out;
}

net::method method_of(std::string_view m) {
  if (m == "POST") return net::method::post;
  if (m == "PUT") return net::method::put;
  if (m == "DELETE") return net::method::delete_;
  return net::method::get;
}

}  // namespace

const json::value* find_path(const json::value& doc, std::string_view path) {
  const json::value* cur = &doc;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const auto name = path.substr(0, dot);
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(name);
    if (cur == nullptr) return nullptr;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  return cur;
}

std::string render_item(std::string_view item, const json::value& element) {
  std::string out;
  std::size_t i = 0;
  while (i < item.size()) {
    const auto open = item.find('{', i);
    if (open == std::string_view::npos) {
      out += item.substr(i);
      break;
    }
    out += item.substr(i, open - i);
    const auto close = item.find('}', open);
    if (close == std::string_view::npos) {
      out += item.substr(open);
      break;
    }
    if (const auto* v = find_path(element, item.substr(open + 1, close - open - 1))) out += scalar_text(*v);
    i = close + 1;
  }
  return out;
}

client_api::client_api(api_options opts, net::http_client& http, user_token_source& tokens)
    : opts_(std::move(opts)), http_(http), tokens_(tokens) {}

boost::asio::awaitable<action_result> client_api::call(assistant::action a, conversation_ref c,
                                                       std::string traceparent) const {
  auto log = core::logger("bot");
  // The API's call joins the turn's trace (a new one without a valid traceparent).
  if (!net::parse_traceparent(traceparent)) traceparent = net::child_span(std::nullopt).traceparent();
  const core::log_fields ids{
      .conversation = c.conversation_id, .tenant = c.tenant_id, .trace_id = net::trace_id_of(traceparent)};
  const api_operation* op = nullptr;
  for (const auto& o : opts_.operations) {
    if (o.name == a.operation) op = &o;
  }
  if (op == nullptr && a.operation == "logout") {
    // Logging out is the login component's: it revokes the token at the bank and wipes it.
    auto pending = tokens_.logout(c);  // two statements: see actions.cpp (GCC 12, PR 99576)
    auto out = co_await std::move(pending);
    if (out) co_return outcome(a, action_status::ok, {});
    co_return outcome(a, action_status::failed, out.error() == errc::not_logged_in ? "not_logged_in" : "login_unavailable");
  }
  if (op == nullptr) {
    core::with_log_fields(ids, [&] {
      log->warn("call_api: no operation {} in the client API table (conversation {})", a.operation, c.conversation_id);
    });
    co_return outcome(a, action_status::failed, "unknown_operation");
  }
  std::map<std::string, std::string> args = op->defaults;
  for (const auto& [k, v] : a.arguments) args[k] = v;

  const auto path = expand_path(op->path, args);
  if (!path) co_return outcome(a, action_status::failed, "missing_argument");
  std::string url = opts_.base_url + *path;
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [param, slot] : op->query) {
    if (auto it = args.find(slot); it != args.end()) query.emplace_back(param, it->second);
  }
  if (!query.empty()) url += "?" + net::form_encode(query);

  net::client_request req;
  req.method = method_of(op->method);
  req.url = std::move(url);
  req.timeout = opts_.timeout;
  req.headers.set("Accept", "application/json");
  req.headers.set("traceparent", traceparent);
  if (req.method == net::method::post || req.method == net::method::put) {
    json::object body;
    for (const auto& [member, slot] : op->body) {
      const auto it = args.find(slot);
      if (it == args.end()) co_return outcome(a, action_status::failed, "missing_argument");
      body[member] = it->second;
    }
    req.headers.set("Content-Type", "application/json");
    req.body = json::serialize(body);
  }
  if (op->idempotency_key) req.headers.set("Idempotency-Key", idempotency_key(c, a.id));
  result<net::client_response> r = make_error_code(errc::api_unreachable);
  if (op->requires_login) {
    // The login component opens the user's token into the request itself (send_with_token); a
    // token source without that call hands the token out (token()) for this one request.
    net::client_request fallback = req;
    auto sending = tokens_.send_with_token(c, std::move(req));  // two statements: GCC 12, PR 99576
    r = co_await std::move(sending);
    if (!r && r.error() == errc::login_unavailable) {
      auto asking = tokens_.token(c);
      auto token = co_await std::move(asking);
      if (!token) r = make_error_code(errc::not_logged_in);
      if (token) {
        fallback.headers.set("Authorization", "Bearer " + std::string(token->reveal()));
        r = co_await http_.send(std::move(fallback));
      }
    }
    if (!r && (r.error() == errc::not_logged_in || r.error() == errc::login_unavailable)) {
      // A 401 from the bank (the token is wiped) or a token that expired since the turn began: the
      // assistant tells the user to log in again (assistant::not_logged_in_reason).
      core::with_log_fields(
          ids, [&] { log->info("call_api {}: user not logged in (conversation {})", op->name, c.conversation_id); });
      co_return outcome(a, action_status::failed, std::string(assistant::not_logged_in_reason));
    }
  } else {
    r = co_await http_.send(std::move(req));
  }
  if (!r) {
    core::with_log_fields(
        ids, [&] { log->warn("call_api {}: {} (conversation {})", op->name, r.error().message(), c.conversation_id); });
    co_return outcome(a, r.error() == net::errc::timeout ? action_status::timeout : action_status::failed,
                      "api_unreachable");
  }
  core::with_log_fields(ids, [&] {
    log->info("call_api {}: status {}, {} bytes (conversation {})", op->name, r->status, r->body.size(),
              c.conversation_id);
  });
  if (r->status < 200 || r->status >= 300) {
    const bool denied =
        std::find(op->denied_statuses.begin(), op->denied_statuses.end(), r->status) != op->denied_statuses.end();
    auto code = error_code_of(r->body);
    if (code.empty()) code = "status_" + std::to_string(r->status);
    co_return outcome(a, denied ? action_status::denied : action_status::failed, std::move(code));
  }
  action_result ok = outcome(a, action_status::ok, {});
  if (op->results.empty()) co_return ok;
  auto doc = core::parse_json(r->body, {.max_bytes = 1 << 20, .max_depth = 16});
  if (!doc) co_return outcome(a, action_status::failed, "bad_response");
  for (const auto& res : op->results) {
    const auto* v = find_path(*doc, res.from);
    if (v == nullptr) co_return outcome(a, action_status::failed, "bad_response");
    if (!res.item.empty()) {
      if (!v->is_array()) co_return outcome(a, action_status::failed, "bad_response");
      std::vector<std::string> items;
      for (const auto& e : v->get_array()) {
        if (items.size() >= res.max_items) break;
        items.push_back(render_item(res.item, e));
      }
      ok.values[res.name] = std::move(items);
    } else {
      auto text = scalar_text(*v);
      if (text.empty()) co_return outcome(a, action_status::failed, "bad_response");
      ok.values[res.name] = std::move(text);
    }
  }
  co_return ok;
}

}  // namespace parley::bot
