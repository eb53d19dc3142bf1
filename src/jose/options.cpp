#include <parley/jose/options.hpp>

namespace parley::jose {
namespace {

std::chrono::seconds seconds_at_least(core::config_section& s, std::string_view key, std::chrono::seconds fallback,
                                      std::chrono::seconds min) {
  const auto ms = s.duration(key, fallback);
  const auto v = std::chrono::duration_cast<std::chrono::seconds>(ms);
  if (v < min) {
    s.error(key, "must be at least " + std::to_string(min.count()) + "s");
    return fallback;
  }
  return v;
}

}  // namespace

options parse_options(core::config_section s) {
  using namespace std::chrono_literals;
  options o;
  o.key_file = s.string("key_file", o.key_file);
  if (o.key_file.empty()) s.error("key_file", "must not be empty");
  o.key_overlap = seconds_at_least(s, "key_overlap", o.key_overlap, 60s);
  o.key_activation_delay = seconds_at_least(s, "key_activation_delay", o.key_activation_delay, 0s);
  o.rsa_bits = static_cast<unsigned>(s.integer("rsa_bits", o.rsa_bits, 2048, 8192));
  o.jwks_max_age = seconds_at_least(s, "jwks_max_age", o.jwks_max_age, 60s);
  o.jwks_unknown_kid_cooldown = seconds_at_least(s, "jwks_unknown_kid_cooldown", o.jwks_unknown_kid_cooldown, 1s);
  o.jwks_retry_after_failure = seconds_at_least(s, "jwks_retry_after_failure", o.jwks_retry_after_failure, 1s);
  s.finish();
  return o;
}

}  // namespace parley::jose
