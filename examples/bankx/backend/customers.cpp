#include "customers_impl.hpp"

#include <algorithm>
#include <cctype>

namespace bankx {
namespace {

using namespace std::chrono_literals;

// A tiny deterministic generator for the demo's amounts: the data set must be the same on every
// run (the README quotes it), and none of it is secret.
class demo_rng {
 public:
  explicit demo_rng(std::uint32_t seed) : state_(seed * 2654435761U + 1U) {}
  std::uint32_t next(std::uint32_t bound) {
    state_ = state_ * 1664525U + 1013904223U;
    return (state_ >> 8) % bound;
  }

 private:
  std::uint32_t state_;
};

struct demo_profile {
  const char* id;
  const char* name;
  const char* phone;
  std::vector<login_method> methods;
  bool totp_preenrolled;
  const char* account_number;  // 8 digits; the savings account adds 1
  minor_units current;
  std::optional<minor_units> savings;
  std::vector<std::pair<const char*, const char*>> cards;  // type, last4
  minor_units salary;
  const char* employer;
};

const std::vector<demo_profile>& profiles() {
  static const std::vector<demo_profile> list = {
      {"anna.schmidt", "Anna Schmidt", "+447700900123", {login_method::push, login_method::otp_sms}, false,
       "10042001", 243167, 1250000, {{"debit", "4821"}, {"credit", "7730"}}, 285000, "Exampleton Logistics Ltd"},
      {"ben.meyer", "Ben Meyer", "+447700900456", {login_method::ussd}, false, "10042011", 84210, 302055,
       {{"debit", "1194"}}, 198000, "Riverside Bakery"},
      {"carla.rossi", "Carla Rossi", "+447700900789", {login_method::otp_sms, login_method::otp_email}, false,
       "10042021", 1578912, 820000, {{"debit", "5067"}, {"credit", "2288"}}, 412000, "Hillford Dental Practice"},
      {"david.okafor", "David Okafor", "+447700900321", {login_method::otp_email}, false, "10042031", 512000,
       std::nullopt, {{"debit", "9342"}, {"credit", "6615"}}, 356000, "Exampleton City Council"},
      {"eva.nowak", "Eva Nowak", "+447700900654", {login_method::totp, login_method::push}, true, "10042041", 31045,
       4890000, {{"debit", "3071"}, {"credit", "8456"}}, 231000, "Quayside Books"},
  };
  return list;
}

struct entry {
  int days_ago;
  bool savings;
  minor_units amount;
  const char* counterparty;
  const char* description;
};

std::vector<entry> demo_entries(const demo_profile& p, std::uint32_t seed) {
  demo_rng rng(seed);
  std::vector<entry> out;
  for (int month : {0, 30}) {
    out.push_back({58 - month, false, p.salary, p.employer, "Salary"});
    out.push_back({57 - month, false, -(p.salary * 3 / 10 / 100 * 100), "Harbour Lettings", "Rent"});
    out.push_back({50 - month, false, -(5200 + static_cast<minor_units>(rng.next(2500))), "Exampleton Power & Gas",
                   "Energy direct debit"});
    out.push_back({45 - month, false, -1999, "Mobile Co.", "Phone contract"});
    if (p.savings) {
      out.push_back({56 - month, false, -20000, "BankX", "Transfer to savings"});
      out.push_back({56 - month, true, 20000, "BankX", "Transfer from current account"});
    }
  }
  for (int day = 59; day > 0; day -= 5) {
    out.push_back({day, false, -(1200 + static_cast<minor_units>(rng.next(8300))), "FreshMart Exampleton", "Groceries"});
  }
  static const std::pair<const char*, const char*> shops[] = {
      {"Cafe Riverside", "Card payment"}, {"Cinema Hillford", "Card payment"}, {"BookNook", "Card payment"},
      {"Station Road Fuel", "Card payment"}};
  int day = 40;
  for (const auto& [shop, what] : shops) {
    out.push_back({day, false, -(450 + static_cast<minor_units>(rng.next(5000))), shop, what});
    day -= 9;
  }
  if (p.savings) out.push_back({31, true, static_cast<minor_units>(100 + rng.next(900)), "BankX", "Interest"});
  return out;
}

std::string make_transaction_id(std::string_view customer_id, std::uint64_t seq) {
  return "tx-" + std::string(customer_id) + "-" + std::to_string(seq);
}

}  // namespace

std::string_view to_string(login_method m) noexcept {
  switch (m) {
    case login_method::push: return "push";
    case login_method::ussd: return "ussd";
    case login_method::otp_sms: return "otp_sms";
    case login_method::otp_email: return "otp_email";
    case login_method::totp: return "totp";
  }
  return "unknown";
}

std::optional<login_method> parse_login_method(std::string_view text) noexcept {
  for (auto m : {login_method::push, login_method::ussd, login_method::otp_sms, login_method::otp_email,
                 login_method::totp}) {
    if (text == to_string(m)) return m;
  }
  return std::nullopt;
}

bool customer::has_method(login_method m) const noexcept {
  return std::find(methods.begin(), methods.end(), m) != methods.end();
}

std::optional<std::string> normalise_customer_id(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
                    c == '+' || c == '-';
    if (!ok) return std::nullopt;
    out += c;
  }
  return out;
}

bool iban_valid(std::string_view iban) noexcept {
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (!std::isupper(static_cast<unsigned char>(iban[0])) || !std::isupper(static_cast<unsigned char>(iban[1])) ||
      !std::isdigit(static_cast<unsigned char>(iban[2])) || !std::isdigit(static_cast<unsigned char>(iban[3]))) {
    return false;
  }
  return iban_mod97(iban.substr(4), iban.substr(0, 4)) == 1;
}

int iban_mod97(std::string_view bban, std::string_view prefix) noexcept {
  int rem = 0;
  auto feed = [&rem](std::string_view part) {
    for (char c : part) {
      if (c >= '0' && c <= '9') {
        rem = (rem * 10 + (c - '0')) % 97;
      } else if (c >= 'A' && c <= 'Z') {
        rem = (rem * 100 + (c - 'A' + 10)) % 97;
      } else {
        rem = -1000000;  // poisons the result: never 1
        return;
      }
    }
  };
  feed(bban);
  if (rem >= 0) feed(prefix);
  return rem < 0 ? -1 : rem;
}

std::string make_iban(std::string_view country, std::string_view bban) {
  const int rem = iban_mod97(bban, std::string(country) + "00");
  const int check = 98 - rem;
  std::string out(country);
  out += static_cast<char>('0' + check / 10);
  out += static_cast<char>('0' + check % 10);
  out += bban;
  return out;
}

void finish_customer(customer& c) {
  std::stable_sort(c.transactions.begin(), c.transactions.end(),
                   [](const transaction& a, const transaction& b) { return a.booked < b.booked; });
  std::uint64_t seq = 0;
  for (auto& t : c.transactions) {
    t.seq = ++seq;
    t.id = make_transaction_id(c.id, t.seq);
  }
}

std::vector<customer> demo_customers(std::chrono::system_clock::time_point now) {
  std::vector<customer> out;
  std::uint32_t seed = 1;
  for (const auto& p : profiles()) {
    customer c;
    c.id = p.id;
    c.name = p.name;
    c.phone = p.phone;
    c.email = std::string(p.id) + "@mail.example";
    c.methods = p.methods;
    c.totp_preenrolled = p.totp_preenrolled;
    c.accounts.push_back({c.id + "-current", "current", "Current account",
                          make_iban("GB", std::string("BANX200415") + p.account_number), "EUR", p.current});
    if (p.savings) {
      std::string number = p.account_number;
      number.back() = static_cast<char>(number.back() + 1);
      c.accounts.push_back({c.id + "-savings", "savings", "Savings account",
                            make_iban("GB", std::string("BANX200415") + number), "EUR", *p.savings});
    }
    for (const auto& [type, last4] : p.cards) c.cards.push_back({type, last4, false, {}});
    // Bookings at 09:00 plus a few minutes per entry, days before `now`'s date.
    const auto midnight = std::chrono::floor<std::chrono::days>(now);
    int minute = 0;
    for (const auto& e : demo_entries(p, seed++)) {
      transaction t;
      t.account_id = c.id + (e.savings ? "-savings" : "-current");
      t.booked = midnight - std::chrono::days(e.days_ago) + 9h + std::chrono::minutes(minute++ % 50);
      t.amount = e.amount;
      t.counterparty = e.counterparty;
      t.description = e.description;
      c.transactions.push_back(std::move(t));
    }
    finish_customer(c);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace bankx
