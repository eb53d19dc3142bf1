// libFuzzer target "bot_activity": a Bot Connector activity as the bot web service reads the body
// of POST /api/messages (after core::parse_json): parse_activity (types, sizes, required members),
// the timestamp offset, and the assistant's input made from it. Invariant: what parses keeps the
// size limits it promises.
#include "../activity.hpp"
#include "fuzz_target.hpp"

#include <parley/core/json.hpp>

PARLEY_FUZZ_TARGET(bot_activity, "the bot's parser of Connector activities (POST /api/messages bodies)") {
  namespace bot = parley::bot;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto body = parley::core::parse_json(text, {256 * 1024, 64});
  if (!body) return 0;
  const bot::activity_limits limits;
  auto a = bot::parse_activity(*body, limits);
  if (!a) return 0;
  if (a->text.size() > limits.max_text_bytes || a->members_added.size() > limits.max_members ||
      a->id.size() > limits.max_id_bytes) {
    parley::fuzz::violated("a parsed activity over its limits");
  }
  (void)bot::utc_offset_of(a->locale);
  (void)bot::to_incoming(*a, size % 2 == 0);
  return 0;
}
