#include "replay_windows.hpp"

#include <functional>

namespace parley::channel {

replay_windows::outcome replay_windows::redeem(std::string_view jti, std::string_view conversation, time_point expires,
                                               time_point now) {
  const auto secs = [](time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  };
  const std::int64_t width = limits_.window.count();
  // Forget windows whose every token has expired (plus the skew the validator allows).
  while (!windows_.empty() && (windows_.front().index + 1) * width + limits_.skew.count() <= secs(now)) {
    windows_.pop_front();
  }
  const std::int64_t index = secs(expires) / width;
  auto it = windows_.begin();
  while (it != windows_.end() && it->index < index) ++it;
  if (it == windows_.end() || it->index != index) {
    it = windows_.insert(it, window{});
    it->index = index;
  }
  // The jti is 16 random characters from the CSPRNG: its hash is as good as itself here.
  const std::uint64_t jti_hash = std::hash<std::string_view>{}(jti);
  if (it->jtis.contains(jti_hash)) return outcome::replayed;
  const std::uint64_t conv_hash = std::hash<std::string_view>{}(conversation);
  if (it->jtis.size() >= limits_.per_window) {
    const auto c = it->conversations.find(conv_hash);
    if (c != it->conversations.end() && c->second >= limits_.per_conversation) return outcome::conversation_over_limit;
    return outcome::admitted_unrecorded;
  }
  auto& count = it->conversations[conv_hash];
  if (count >= limits_.per_conversation) return outcome::conversation_over_limit;
  ++count;
  it->jtis.insert(jti_hash);
  return outcome::admitted;
}

std::size_t replay_windows::size() const noexcept {
  std::size_t n = 0;
  for (const auto& w : windows_) n += w.jtis.size();
  return n;
}

}  // namespace parley::channel
