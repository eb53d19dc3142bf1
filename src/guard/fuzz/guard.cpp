// libFuzzer target "guard": parley::guard on any text, in each mode (byte 0: bit 0 expects a
// secret, bit 1 a login waits for a code). Invariants: an unchanged result is the input itself; a
// changed one names what it masked; no stand-alone run of 16 digits that passes the Luhn check
// is left in the output; the output stays within 3x the input (a tag replaces each match: "pw=x" becomes
// "pw=[hidden]"). Slowness shows as libFuzzer timeouts (-timeout) on long inputs: the guard must
// stay linear.
#include "fuzz_target.hpp"

#include <parley/guard/credential_guard.hpp>

#include <string>

namespace {

// The first run of 16 consecutive digits that is a Luhn-valid card number, or empty.
std::string_view plain_card(std::string_view s) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    run = (s[i] >= '0' && s[i] <= '9') ? run + 1 : 0;
    const bool ends = i + 1 == s.size() || !(s[i + 1] >= '0' && s[i + 1] <= '9');
    if (run == 16 && ends && parley::guard::luhn_valid(s.substr(i + 1 - run, run))) return s.substr(i + 1 - run, run);
  }
  return {};
}

}  // namespace

PARLEY_FUZZ_TARGET(guard, "parley::guard::guard_credentials in every mode") {
  namespace guard = parley::guard;
  if (size == 0) return 0;
  guard::guard_mode mode;
  mode.expects_secret = (data[0] & 1) != 0;
  mode.awaits_code = (data[0] & 2) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto g = guard::guard_credentials(text, mode);
  if (!g.changed() && g.masked != text) parley::fuzz::violated("unchanged text differs from the input");
  if (g.masked.size() > 3 * text.size() + 64) parley::fuzz::violated("the masked text grew out of bounds");
  // No stand-alone 16-digit card number survives. (Not "the card's digits appear nowhere": they may
  // be part of a longer run that is no card, e.g. 16 zeros inside 21 digits: regress-card-in-longer-run.)
  if (!plain_card(text).empty() && !plain_card(g.masked).empty()) {
    parley::fuzz::violated("a 16-digit Luhn-valid number survived the guard");
  }
  (void)guard::warning_text(g.found);
  (void)guard::is_bare_code(text);
  return 0;
}
