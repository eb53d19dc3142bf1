// The customers file: strict JSON in, the same `customer` values as the demo data set out.
#include "customers_impl.hpp"

#include <parley/core/config.hpp>
#include <parley/core/json.hpp>

#include <boost/json/value.hpp>

#include <initializer_list>
#include <set>

namespace bankx {
namespace {

namespace json = boost::json;
using parley::core::errc;

class reader {
 public:
  explicit reader(std::string* problem) : problem_(problem) {}

  bool fail(std::string where, std::string_view what) {
    if (problem_ && problem_->empty()) *problem_ = where + ": " + std::string(what);
    return false;
  }

  // Every member must be one of `known`: a typo in a data file is an error, not a default.
  bool only(const json::object& o, std::initializer_list<std::string_view> known, const std::string& where) {
    for (const auto& m : o) {
      bool found = false;
      for (auto k : known) found = found || m.key() == k;
      if (!found) return fail(where, "unknown member \"" + std::string(m.key()) + "\"");
    }
    return true;
  }

  bool text(const json::object& o, std::string_view key, const std::string& where, std::string& out,
            std::size_t max = 200) {
    const auto v = parley::core::get_string(o, key);
    if (!v || v->empty() || v->size() > max) return fail(where, "\"" + std::string(key) + "\" must be a non-empty string");
    out = *v;
    return true;
  }

  bool amount(const json::object& o, std::string_view key, const std::string& where, minor_units& out, bool signed_ok) {
    auto v = parley::core::get_string(o, key);
    if (!v) return fail(where, "\"" + std::string(key) + "\" must be a decimal string");
    bool negative = false;
    if (signed_ok && !v->empty() && v->front() == '-') {
      negative = true;
      v->remove_prefix(1);
    }
    const auto parsed = parse_amount(*v);
    if (!parsed) return fail(where, "\"" + std::string(key) + "\" is not an amount like \"12.30\"");
    out = negative ? -*parsed : *parsed;
    return true;
  }

  bool read_account(const json::object& o, customer& c, const std::string& where) {
    account a;
    if (!only(o, {"type", "name", "iban", "balance"}, where) || !text(o, "type", where, a.type) ||
        !text(o, "name", where, a.name) || !text(o, "iban", where, a.iban, 34) ||
        !amount(o, "balance", where, a.balance, true)) {
      return false;
    }
    if (a.type != "current" && a.type != "savings") return fail(where, "type must be \"current\" or \"savings\"");
    if (!iban_valid(a.iban)) return fail(where, "iban has wrong check digits or format");
    for (const auto& other : c.accounts) {
      if (other.type == a.type) return fail(where, "a second " + a.type + " account");
    }
    a.id = c.id + "-" + a.type;
    c.accounts.push_back(std::move(a));
    return true;
  }

  bool read_card(const json::object& o, customer& c, const std::string& where) {
    card k;
    if (!only(o, {"type", "last4"}, where) || !text(o, "type", where, k.type) || !text(o, "last4", where, k.last4, 4)) {
      return false;
    }
    if (k.type != "debit" && k.type != "credit") return fail(where, "type must be \"debit\" or \"credit\"");
    if (k.last4.size() != 4 || k.last4.find_first_not_of("0123456789") != std::string::npos) {
      return fail(where, "last4 must be four digits");
    }
    for (const auto& other : c.cards) {
      if (other.type == k.type) return fail(where, "a second " + k.type + " card");
    }
    c.cards.push_back(std::move(k));
    return true;
  }

  bool read_transaction(const json::object& o, customer& c, std::chrono::system_clock::time_point now,
                        const std::string& where) {
    transaction t;
    std::string type;
    if (!only(o, {"account", "daysAgo", "amount", "counterparty", "description"}, where) ||
        !text(o, "account", where, type) || !amount(o, "amount", where, t.amount, true) ||
        !text(o, "counterparty", where, t.counterparty) || !text(o, "description", where, t.description)) {
      return false;
    }
    const auto days = parley::core::get_int(o, "daysAgo");
    if (!days || *days < 0 || *days > 3650) return fail(where, "daysAgo must be an integer 0..3650");
    t.account_id = c.id + "-" + type;
    bool known = false;
    for (const auto& a : c.accounts) known = known || a.id == t.account_id;
    if (!known) return fail(where, "account \"" + type + "\" is not one of the customer's accounts");
    t.booked = now - std::chrono::days(*days);
    c.transactions.push_back(std::move(t));
    return true;
  }

  template <class Fn>
  bool each(const json::object& o, std::string_view key, const std::string& where, bool required, Fn fn) {
    const auto* arr = parley::core::get_array(o, key);
    if (!arr) return required ? fail(where, "\"" + std::string(key) + "\" must be an array") : !o.contains(key);
    std::size_t i = 0;
    for (const auto& v : *arr) {
      const std::string at = where + "." + std::string(key) + "[" + std::to_string(i++) + "]";
      if (!v.is_object()) return fail(at, "must be an object");
      if (!fn(v.get_object(), at)) return false;
    }
    return true;
  }

  bool read_methods(const json::object& o, customer& c, const std::string& where) {
    const auto* arr = parley::core::get_array(o, "methods");
    if (!arr || arr->empty()) return fail(where, "\"methods\" must be a non-empty array");
    for (const auto& v : *arr) {
      const auto m = v.is_string() ? parse_login_method(v.get_string()) : std::nullopt;
      if (!m) return fail(where, "methods: each must be push, ussd, otp_sms, otp_email or totp");
      if (!c.has_method(*m)) c.methods.push_back(*m);
    }
    return true;
  }

  bool read_customer(const json::object& o, std::chrono::system_clock::time_point now, const std::string& where,
                     customer& c) {
    std::string id;
    if (!only(o, {"id", "name", "phone", "email", "methods", "accounts", "cards", "transactions"}, where) ||
        !text(o, "id", where, id) || !text(o, "name", where, c.name) || !text(o, "phone", where, c.phone, 20) ||
        !text(o, "email", where, c.email, 254)) {
      return false;
    }
    const auto normal = normalise_customer_id(id);
    if (!normal || *normal != id) return fail(where, "id must be 1..64 characters of [a-z0-9._@+-]");
    c.id = id;
    return read_methods(o, c, where) &&
           each(o, "accounts", where, true, [&](const json::object& a, const std::string& at) { return read_account(a, c, at); }) &&
           each(o, "cards", where, false, [&](const json::object& k, const std::string& at) { return read_card(k, c, at); }) &&
           each(o, "transactions", where, false,
                [&](const json::object& t, const std::string& at) { return read_transaction(t, c, now, at); });
  }

 private:
  std::string* problem_;
};

}  // namespace

parley::result<std::vector<customer>> load_customers(const std::filesystem::path& file,
                                                     std::chrono::system_clock::time_point now, std::string* problem) {
  auto text = parley::core::read_file(file, 4 << 20);
  if (!text) {
    if (problem) *problem = "cannot read the customers file";
    return text.error();
  }
  auto doc = parley::core::parse_json_object(*text, {.max_bytes = 4 << 20, .max_depth = 8});
  if (!doc) {
    if (problem) *problem = "the customers file is not valid JSON (" + doc.error().message() + ")";
    return doc.error();
  }
  reader r(problem);
  std::vector<customer> out;
  std::set<std::string, std::less<>> ids;
  const bool ok = r.only(*doc, {"customers"}, "$") &&
                  r.each(*doc, "customers", "$", true, [&](const json::object& o, const std::string& at) {
                    customer c;
                    if (!r.read_customer(o, now, at, c)) return false;
                    if (!ids.insert(c.id).second) return r.fail(at, "duplicate id \"" + c.id + "\"");
                    finish_customer(c);
                    out.push_back(std::move(c));
                    return true;
                  });
  if (!ok) return errc::invalid_argument;
  if (out.empty()) {
    r.fail("$", "no customers");
    return errc::invalid_argument;
  }
  return out;
}

}  // namespace bankx
