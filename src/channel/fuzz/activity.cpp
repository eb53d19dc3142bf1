// libFuzzer target "activity": a JSON body as a client or a bot would post it, through the
// channel's activity normaliser (client and bot rules) and the credential guard over a whole
// client activity. Byte 0: bit 0 expects a secret, bit 1 a login waits for a code. Invariants: a
// normalised client activity speaks for the bound user (from.id, role "user"), carries no id or
// timestamp of its own, and stays valid JSON within the limits after the guard masked it.
#include "../activity.hpp"

#include "../activity_guard.hpp"
#include "fuzz_target.hpp"

#include <parley/core/json.hpp>

#include <boost/json/serialize.hpp>

PARLEY_FUZZ_TARGET(activity, "the channel's activity normaliser and the guard over a client activity") {
  namespace channel = parley::channel;
  namespace core = parley::core;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto body = core::parse_json(text, {256 * 1024, 64});
  if (!body) return 0;
  const channel::activity_context ctx{
      "c0123456789", {"dl_user", "", "user"}, {"bankx-assistant", "BankX", "bot"}, "https://channel.example/"};
  if (auto a = channel::normalize_client_activity(*body, ctx)) {
    const auto& from = a->at("from").as_object();
    if (from.at("id") != "dl_user" || from.at("role") != "user") parley::fuzz::violated("from is not the bound user");
    if (a->contains("id") || a->contains("timestamp")) parley::fuzz::violated("a client set the id or timestamp");
    parley::guard::guard_mode mode;
    mode.expects_secret = (data[0] & 1) != 0;
    mode.awaits_code = (data[0] & 2) != 0;
    const auto r = channel::guard_client_activity(*a, mode);
    if (r.typed_text && !mode.expects_secret && !mode.awaits_code)
      parley::fuzz::violated("typed text without a prompt");
    const auto out = boost::json::serialize(*a);
    if (!core::parse_json(out, {out.size() + 1, 66})) parley::fuzz::violated("a guarded activity is not valid JSON");
  }
  if (auto b = channel::normalize_bot_activity(*body, ctx, std::string_view("c0123456789|0000001"))) {
    if (b->at("from").at("role") != "bot") parley::fuzz::violated("a bot activity not from the bot");
  }
  return 0;
}
