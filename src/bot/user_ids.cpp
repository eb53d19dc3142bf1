#include "user_ids.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <span>
#include <vector>

namespace parley::bot {

std::string new_user_id(core::random_source& rng) { return core::random_id(rng, "dl_", 16); }

std::string pseudonym_key::user_id(std::string_view site, std::string_view subject) const {
  PARLEY_CHECK(!key_.empty(), "pseudonym_key used without a key");
  // The NUL separator keeps ("ab", "c") and ("a", "bc") apart; site ids cannot contain one.
  std::vector<std::uint8_t> data(site.begin(), site.end());
  data.push_back(0);
  data.insert(data.end(), subject.begin(), subject.end());
  const auto mac = crypto::hmac_sha256(key_.bytes(), data);
  crypto::secure_wipe(std::span<std::uint8_t>(data));
  return "dl_" + core::base64url_encode(std::span<const std::uint8_t>(mac.data(), 24));
}

}  // namespace parley::bot
