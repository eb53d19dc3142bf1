// The "SMS outbox" and "mail outbox" of the demo phone: where BankX sends one-time codes. A real
// bank hands them to an SMS gateway or a mail server; BankX keeps the newest few per customer so
// that the phone page (and the tests) can read them. Message texts hold codes: they are shown on
// the phone page only, never logged.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bankx {

struct outbox_message {
  enum class kind { sms, email } channel = kind::sms;
  std::string to;       ///< phone number or e-mail address
  std::string subject;  ///< e-mail only
  std::string text;
  std::chrono::system_clock::time_point sent;
};

class outbox {
 public:
  /// Keeps the newest `per_customer` messages of each customer.
  explicit outbox(std::size_t per_customer) : per_customer_(per_customer) {}

  void send(std::string_view customer_id, outbox_message message);
  /// The customer's messages, newest first.
  [[nodiscard]] std::vector<outbox_message> messages(std::string_view customer_id) const;

 private:
  std::size_t per_customer_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<outbox_message>, std::less<>> boxes_;
};

}  // namespace bankx
