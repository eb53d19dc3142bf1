// The channel's record of every token session (private): a conversation token and every token
// refreshed from it share one session (`sid`). In memory, like the stream hub (a channel that
// runs on several nodes keeps a conversation on one node); docs/adr/0013.
//
// Per session: the current generation (tokens/refresh rotates: the token it replaced works
// `grace` longer, for a retried request, and is refused after that; a replaced token presented
// to tokens/refresh after its grace revokes the whole session, RFC 9700 §4.14.2: the channel
// cannot tell the thief from the owner), the newest expiry, the session's hard end
// (session start + max_session), revocation, and the streams opened under it.
//
// A session the registry does not know (the process restarted, or it was evicted) is learned
// from the first verified token that names it, at that token's generation: rotation resumes from
// there; what was revoked before a restart is not remembered (the conversation's `ended` state in
// the store is, see service_state.hpp).
//
// Bounded: at most `capacity` sessions. When full, expired ones are dropped first; then the live
// session closest to its end is evicted (its tokens keep working until they expire, learned
// again on their next use) — revoked sessions are never evicted before their tokens expire.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include "stream_hub.hpp"

#include <parley/channel/tokens.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley::channel {

/// Why a session ended.
enum class session_end_reason {
  expired,       ///< its newest token expired without a refresh, or it reached max_session
  revoked,       ///< tokens/revoke
  ended,         ///< an endOfConversation (client or bot)
  token_reuse,   ///< a replaced token was presented to tokens/refresh after its grace
};

/// A session that ended, with what its owner must do about it.
struct ended_session {
  std::string session_id;
  std::string tenant_id;
  std::string conversation_id;
  std::string bot_id;
  session_end_reason reason = session_end_reason::expired;
  /// Its open streams, to be closed (4401 when expired, 4403 otherwise).
  std::vector<std::shared_ptr<stream_subscriber>> streams;
  /// No other live session of the conversation remains and the session was opened by
  /// tokens/generate: the conversation is over for its client.
  bool last_of_conversation = false;
};

/// What check() found.
enum class session_state {
  live,        ///< the token may be used
  superseded,  ///< a replaced token past its grace
  revoked,     ///< the session was revoked or ended by an endOfConversation
  ended,       ///< the session reached max_session
};

class session_registry {
 public:
  using time_point = std::chrono::system_clock::time_point;

  /// `skew`: how long after a token's `exp` it still verifies (the token service's skew).
  session_registry(std::size_t capacity, std::chrono::seconds grace, std::chrono::seconds skew);

  /// A new session from its first token (generation 0). `primary`: opened by tokens/generate
  /// for a client (its end ends the conversation for the bot); false for tokens minted for a
  /// secret holder. `max_end` = session start + the tenant's max_session.
  void open(const conversation_grant& g, time_point max_end, bool primary);

  /// Whether a verified token's session allows it now (learns an unknown session).
  [[nodiscard]] session_state check(const conversation_grant& g, time_point now, time_point max_end);

  /// tokens/refresh: the next generation for `g`'s session, whose newest token expires at
  /// `expires`. A replaced token past its grace revokes the session: nullopt with `state`
  /// superseded and the ended session in `ended` (the caller closes its streams and tells the bot).
  [[nodiscard]] std::optional<std::uint64_t> rotate(const conversation_grant& g, time_point now, time_point max_end,
                                                    time_point expires, session_state& state,
                                                    std::optional<ended_session>& ended);

  /// Revokes one session (the session of a token given to tokens/revoke); nullopt if unknown.
  [[nodiscard]] std::optional<ended_session> revoke(const conversation_grant& g, time_point now, time_point max_end,
                                                    session_end_reason why);
  /// Revokes every session of a conversation (endOfConversation, tokens/revoke by conversation).
  [[nodiscard]] std::vector<ended_session> revoke_conversation(std::string_view tenant_id, std::string_view conversation_id,
                                                               session_end_reason why);

  /// Registers a stream opened under `session_id` (closed when the session ends).
  void add_stream(const std::string& session_id, const std::shared_ptr<stream_subscriber>& stream);

  /// Sessions whose end has come by `now` (expiry, max_session), removed; revoked sessions whose
  /// tokens can no longer verify are forgotten silently.
  [[nodiscard]] std::vector<ended_session> sweep(time_point now);

  /// Sessions held (live or revoked).
  [[nodiscard]] std::size_t size() const;

 private:
  struct entry {
    std::string tenant_id;
    std::string conversation_id;
    std::string bot_id;
    time_point max_end{};
    time_point expires{};  // the newest token's exp
    std::uint64_t generation = 0;
    time_point generation_since{};  // when `generation` replaced the one before
    bool primary = false;
    bool revoked = false;
    time_point queued{};  // the deadline this entry is queued under
    std::vector<std::weak_ptr<stream_subscriber>> streams;
  };
  using map = std::unordered_map<std::string, entry>;

  [[nodiscard]] static std::string conversation_key(std::string_view tenant, std::string_view conversation);
  [[nodiscard]] time_point deadline(const entry& e) const;
  entry& learn_locked(const conversation_grant& g, time_point now, time_point max_end);
  void queue_locked(const std::string& sid, entry& e);
  [[nodiscard]] session_state state_locked(entry& e, const conversation_grant& g, time_point now) const;
  ended_session end_locked(map::iterator it, session_end_reason why, bool remove);
  void make_room_locked(time_point now);

  const std::size_t capacity_;
  const std::chrono::seconds grace_;
  const std::chrono::seconds skew_;
  mutable std::mutex mutex_;
  map sessions_;
  std::unordered_map<std::string, std::set<std::string>> by_conversation_;
  // (deadline, session id), earliest first; one element per session (re-queued when it moved).
  std::priority_queue<std::pair<time_point, std::string>, std::vector<std::pair<time_point, std::string>>,
                      std::greater<>>
      deadlines_;
};

}  // namespace parley::channel
