// The accounts API (examples/bankx/accounts-api.md): what the bot calls with the customer's
// access token once the login is approved.
#include "routes_impl.hpp"

#include <parley/core/log.hpp>

#include <charconv>

namespace bankx::detail {
namespace {

std::shared_ptr<spdlog::logger> log() { return parley::core::logger("bankx"); }

json::object account_json(const account& a) {
  json::object o;
  o["id"] = a.id;
  o["type"] = a.type;
  o["name"] = a.name;
  o["iban"] = a.iban;
  o["currency"] = a.currency;
  o["balance"] = format_amount(a.balance);
  return o;
}

json::object transaction_json(const transaction& t) {
  json::object o;
  o["id"] = t.id;
  o["accountId"] = t.account_id;
  o["bookedAt"] = rfc3339(t.booked);
  o["amount"] = format_amount(t.amount);
  o["currency"] = "EUR";
  o["counterparty"] = t.counterparty;
  o["description"] = t.description;
  return o;
}

bool key_ok(std::string_view key) {
  return !key.empty() && key.size() <= 64 &&
         key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
             std::string_view::npos;
}

net::response get_accounts(bank& b, const std::string& customer, const net::request& req) {
  if (!req.query.empty()) return error(errc::invalid_request, "no query parameters are defined");
  json::array list;
  for (const auto& a : b.accounts().accounts(customer)) list.push_back(account_json(a));
  return net::json_response(200, json::value{{"accounts", std::move(list)}});
}

net::response get_transactions(bank& b, const std::string& customer, const net::request& req) {
  std::optional<std::string_view> account, cursor;
  std::size_t limit = 10;
  for (const auto& [name, value] : req.query) {
    if (name == "account" && !account && !value.empty() && value.size() <= 64) {
      account = value;
    } else if (name == "cursor" && !cursor && !value.empty()) {
      cursor = value;
    } else if (name == "limit") {
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc{} || ptr != value.data() + value.size() || limit < 1 || limit > 50) {
        return error(errc::invalid_request, "limit must be an integer from 1 to 50");
      }
    } else {
      return error(errc::invalid_request, "the query parameters are account, limit and cursor, each at most once");
    }
  }
  auto page = b.accounts().transactions(customer, account, limit, cursor);
  if (!page) {
    return error(page.error(), page.error() == errc::invalid_request ? "cursor is not one this API returned"
                                                                     : "account is not one of your accounts");
  }
  json::array list;
  for (const auto& t : page->items) list.push_back(transaction_json(t));
  json::object o;
  o["transactions"] = std::move(list);
  if (page->next_cursor) o["nextCursor"] = *page->next_cursor;
  return net::json_response(200, o);
}

net::response post_transfer(bank& b, const std::string& customer, const net::request& req) {
  const auto key = req.headers.get("Idempotency-Key");
  if (!key || !key_ok(*key)) {
    return error(errc::invalid_request, "the Idempotency-Key header must be 1..64 characters of letters, digits, _ and -");
  }
  std::string problem;
  auto body = json_body(req, {"fromAccount", "toAccount", "amount", "currency"}, problem);
  if (!body) return error(body.error(), problem);
  const auto from = text_member(*body, "fromAccount", 64);
  const auto to = text_member(*body, "toAccount", 64);
  if (!from || !to) return error(errc::invalid_request, "fromAccount and toAccount must be account ids, IBANs or types");
  const auto amount_text = parley::core::get_string(*body, "amount");
  const auto amount = amount_text ? parse_amount(*amount_text) : std::nullopt;
  if (!amount || *amount <= 0) {
    return error(errc::invalid_request, "amount must be a positive decimal string with at most two decimals, e.g. \"49.90\"");
  }
  if (body->contains("currency") && parley::core::get_string(*body, "currency") != std::optional<std::string_view>("EUR")) {
    return error(errc::invalid_request, "currency must be \"EUR\"");
  }
  auto r = b.accounts().transfer(customer, {std::string(*from), std::string(*to), *amount, std::string(*key)});
  if (!r) {
    const auto e = r.error();
    std::string_view message = "transfer refused";
    if (e == errc::invalid_account) message = "fromAccount and toAccount must both be your own accounts";
    if (e == errc::same_account) message = "fromAccount and toAccount are the same account";
    if (e == errc::insufficient_funds) message = "the balance of fromAccount is too low";
    if (e == errc::idempotency_key_reused) message = "this Idempotency-Key was used for a different transfer";
    log()->info("transfer refused for customer {}: {}", customer, error_code_name(static_cast<errc>(e.value())));
    return error(e, message);
  }
  if (!r->replayed) log()->info("transfer {} booked for customer {}", r->reference, customer);
  json::object o;
  o["reference"] = r->reference;
  o["fromAccount"] = r->from_account_id;
  o["toAccount"] = r->to_account_id;
  o["amount"] = format_amount(r->amount);
  o["currency"] = r->currency;
  o["bookedAt"] = rfc3339(r->booked);
  auto resp = net::json_response(201, o);
  if (r->replayed) resp.headers.set("Idempotent-Replayed", "true");
  return resp;
}

net::response post_block_card(bank& b, const std::string& customer, const net::request& req) {
  std::string problem;
  auto body = json_body(req, {"card", "lastSeen"}, problem);
  if (!body) return error(body.error(), problem);
  const auto card = parley::core::get_string(*body, "card");
  if (card != std::optional<std::string_view>("debit") && card != std::optional<std::string_view>("credit")) {
    return error(errc::invalid_request, "card must be \"debit\" or \"credit\"");
  }
  const auto seen = parley::core::get_string(*body, "lastSeen");
  if (seen && *seen != "today" && *seen != "yesterday" && *seen != "earlier") {
    return error(errc::invalid_request, "lastSeen must be \"today\", \"yesterday\" or \"earlier\"");
  }
  auto r = b.accounts().block_card(customer, *card, seen.value_or("earlier"));
  if (!r) return error(r.error(), "you have no card of that type");
  if (!r->already_blocked) log()->info("card block {} for customer {}", r->reference, customer);
  json::object c;
  c["type"] = r->card_type;
  c["last4"] = r->last4;
  c["status"] = "blocked";
  json::object o;
  o["reference"] = r->reference;
  o["card"] = std::move(c);
  o["alreadyBlocked"] = r->already_blocked;
  return net::json_response(r->already_blocked ? 200 : 201, o);
}

}  // namespace

void add_account_routes(net::router& r, const std::shared_ptr<bank>& b) {
  using fn = net::response (*)(bank&, const std::string&, const net::request&);
  auto guarded = [&b](fn handler) {
    return adapt([b, handler](const net::request& req) {
      const auto token = bearer_token(req);
      auto customer = token ? b->access_tokens().validate(*token) : parley::result<std::string>(errc::invalid_token);
      if (!customer) return error(errc::invalid_token, "the access token is missing, expired or revoked");
      return handler(*b, *customer, req);
    });
  };
  const std::string base(api_base_path);
  r.get(base + "/accounts", guarded(get_accounts), api_route_options());
  r.get(base + "/transactions", guarded(get_transactions), api_route_options());
  r.post(base + "/transfers", guarded(post_transfer), api_route_options());
  r.post(base + "/cards/block", guarded(post_block_card), api_route_options());
}

}  // namespace bankx::detail
