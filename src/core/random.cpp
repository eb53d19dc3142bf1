#include <parley/core/base64.hpp>
#include <parley/core/error.hpp>
#include <parley/core/random.hpp>

#include <openssl/rand.h>

#include <climits>
#include <limits>
#include <vector>

namespace parley::core {
namespace {

class openssl_random final : public random_source {
 public:
  void fill(std::span<std::uint8_t> out) override {
    while (!out.empty()) {
      const std::size_t n = std::min<std::size_t>(out.size(), INT_MAX);
      PARLEY_CHECK(RAND_bytes(out.data(), static_cast<int>(n)) == 1, "RAND_bytes failed");
      out = out.subspan(n);
    }
  }
};

}  // namespace

random_source& os_random() noexcept {
  static openssl_random instance;
  return instance;
}

std::string random_id(random_source& rng, std::string_view prefix, std::size_t bytes) {
  std::vector<std::uint8_t> buf(bytes);
  rng.fill(buf);
  std::string out(prefix);
  out += base64url_encode(buf);
  return out;
}

std::uint64_t random_below(random_source& rng, std::uint64_t bound) {
  PARLEY_CHECK(bound > 0, "random_below(0)");
  // Rejection sampling avoids modulo bias.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  for (;;) {
    std::uint64_t v = 0;
    rng.fill({reinterpret_cast<std::uint8_t*>(&v), sizeof v});
    if (v < limit) return v % bound;
  }
}

}  // namespace parley::core
