#include <bankx/authenticator.hpp>

#include <parley/crypto/primitives.hpp>

namespace bankx {
namespace {

constexpr std::size_t secret_bytes = 20;  // 160 bits, the HMAC-SHA1 key length RFC 4226 §4 recommends

}  // namespace

std::vector<std::uint8_t> authenticator::new_secret() {
  std::vector<std::uint8_t> s(secret_bytes);
  rng_.fill(s);
  return s;
}

authenticator_view authenticator::view_locked(std::string_view customer_id, const enrolment& e) const {
  authenticator_view v;
  const auto& secret = !e.pending.empty() ? e.pending : e.active;
  if (secret.empty()) return v;
  v.status = !e.pending.empty() ? authenticator_view::state::pending : authenticator_view::state::active;
  v.secret_base32 = base32_encode(secret);
  v.otpauth_uri = otpauth_uri("BankX", customer_id, v.secret_base32, params);
  const auto now = clock_.now();
  v.current_code = totp(secret, now, params);
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  v.seconds_left = static_cast<int>(params.step.count() - secs % params.step.count());
  return v;
}

authenticator_view authenticator::enrol(std::string_view customer_id) {
  std::lock_guard lock(mutex_);
  auto& e = enrolments_[std::string(customer_id)];
  parley::crypto::secure_wipe(e.pending);
  e.pending = new_secret();
  return view_locked(customer_id, e);
}

parley::result<authenticator_view> authenticator::confirm(std::string_view customer_id, std::string_view code) {
  std::lock_guard lock(mutex_);
  const auto it = enrolments_.find(customer_id);
  if (it == enrolments_.end() || it->second.pending.empty()) return errc::not_found;
  auto& e = it->second;
  const auto step = totp_verify(e.pending, code, clock_.now(), -1, params);
  if (!step) return errc::invalid_otp;
  parley::crypto::secure_wipe(e.active);
  e.active = std::move(e.pending);
  e.pending.clear();
  e.last_used_step = *step;  // the confirming code is used up too
  return view_locked(customer_id, e);
}

void authenticator::enrol_active(std::string_view customer_id) {
  std::lock_guard lock(mutex_);
  auto& e = enrolments_[std::string(customer_id)];
  e.active = new_secret();
  e.last_used_step = -1;
}

bool authenticator::verify(std::string_view customer_id, std::string_view code) {
  std::lock_guard lock(mutex_);
  const auto it = enrolments_.find(customer_id);
  if (it == enrolments_.end() || it->second.active.empty()) return false;
  auto& e = it->second;
  const auto step = totp_verify(e.active, code, clock_.now(), e.last_used_step, params);
  if (!step) return false;
  e.last_used_step = *step;
  return true;
}

bool authenticator::active(std::string_view customer_id) const {
  std::lock_guard lock(mutex_);
  const auto it = enrolments_.find(customer_id);
  return it != enrolments_.end() && !it->second.active.empty();
}

authenticator_view authenticator::view(std::string_view customer_id) const {
  std::lock_guard lock(mutex_);
  const auto it = enrolments_.find(customer_id);
  return it == enrolments_.end() ? authenticator_view{} : view_locked(customer_id, it->second);
}

}  // namespace bankx
