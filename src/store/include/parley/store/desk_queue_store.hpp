// The service desk's queue in the store (docs/adr/0021-handoff.md): the handoffs waiting for or
// owned by a consultant, and the consultants themselves (availability, capacity, skills, load).
// Kept in the store so that every desk node sees the same queue and a node restart loses nothing;
// the bus only notifies. This header is the contract between the desk and the store.
//
// Handoffs: at most one open handoff (waiting or assigned) per conversation; closed ones stay
// for the record until the conversation is erased. What names a person or says why (reason,
// failed intent, the consultant's display name, the hand-back note) is sealed under the
// conversation's data key, so erasing the conversation shreds it; queue, priority, status, times,
// the owner's pseudonymous ref and a version are clear columns (the queue is ordered by them).
// Every change of an open handoff is a compare-and-set on its version: of two consultants taking
// one conversation at once, exactly one wins (take_outcome::lost for the other), in one process
// or in several (PostgreSQL re-checks the version under the row lock; SQLite has one writer).
// Agents (consultants, by the desk's pseudonymous actor ref): availability, capacity and load in
// clear, the display name sealed under a data key of the agent's own. A take or an assignment
// checks and counts the owner's load in the same transaction (load never exceeds capacity).
//
// Every call names the tenant; another tenant's rows are "not found".
// Errors: errc::invalid_argument (an id, ref, queue or text out of bounds), errc::not_found,
// errc::limit_exceeded (the tenant's queue is full), errc::corrupt (a sealed column that does not
// open), errc::erased, errc::unavailable (backend).
// Thread-safety: every member function may be called concurrently from any thread; calls resume
// on the caller's executor.
#pragma once

#include <parley/store/conversation_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::store {

inline constexpr std::size_t max_desk_queue_length = 5000;  ///< open handoffs per tenant
inline constexpr std::size_t max_desk_text = 2000;          ///< reason, note (bytes)
inline constexpr std::size_t max_desk_skills = 32;
inline constexpr unsigned max_desk_capacity = 50;

enum class handoff_status { waiting, assigned, closed };
enum class availability { available, busy, away };

struct queued_handoff {
  std::string tenant_id;
  std::string conversation_id;
  std::string handoff_id;  ///< unique per request (the stored handoff.initiate's activity id)
  std::string queue;       ///< [a-z0-9._-], 1..64
  int priority = 0;        ///< 0..9, higher first
  handoff_status status = handoff_status::waiting;
  std::string owner_ref;  ///< the consultant's actor ref while assigned (else empty)
  /// While waiting again (transferred to a queue, requeued): who had it last. Automatic
  /// assignment never gives it back to them; a take by hand may.
  std::string previous_owner;
  time_point requested{};
  time_point assigned{};      ///< when the current owner took it (epoch when waiting)
  time_point requeued{};      ///< while waiting: when it went back to the queue (epoch: its first wait)
  time_point answered{};      ///< the owner's first message or typing (epoch: not yet)
  std::uint64_t version = 0;  ///< 1 when queued; +1 on every change
  // sealed
  std::string reason;
  std::string failed_intent;
  std::string owner_name;  ///< the consultant's display name as the user sees it
  std::string note;        ///< the hand-back note (set when closed)
};

struct desk_agent {
  std::string tenant_id;
  std::string actor_ref;  ///< the desk's pseudonymous id of the consultant
  availability state = availability::away;
  unsigned capacity = 3;            ///< 1..max_desk_capacity simultaneous conversations
  unsigned load = 0;                ///< handoffs assigned to them now (kept by the store)
  std::vector<std::string> skills;  ///< the queues they serve (queue names)
  std::string display_name;         ///< sealed
  time_point last_seen{};
  time_point last_assigned{};  ///< round-robin among the least loaded
};

enum class take_outcome {
  taken,          ///< the caller owns it now
  lost,           ///< someone else took it first, or it changed (version), or it is closed
  at_capacity,    ///< the caller already has `capacity` conversations
  not_available,  ///< the caller is away (or unknown to the queue)
};

struct take_result {
  take_outcome outcome = take_outcome::lost;
  queued_handoff handoff;  ///< as it is now (after the take when taken)
};

class desk_queue_store {
 public:
  virtual ~desk_queue_store() = default;

  /// Queues a handoff (status waiting, version 1). If the conversation already has an open one,
  /// returns that one unchanged (a retried request). errc::not_found (tenant or conversation),
  /// errc::limit_exceeded (max_desk_queue_length open handoffs).
  virtual boost::asio::awaitable<result<queued_handoff>> enqueue_handoff(queued_handoff h) = 0;
  /// The open handoff of a conversation (nullopt: none).
  virtual boost::asio::awaitable<result<std::optional<queued_handoff>>> open_handoff(std::string tenant_id,
                                                                                     std::string conversation_id) = 0;
  /// The tenant's open handoffs, waiting first by priority (highest) then longest waiting, then
  /// the assigned ones; at most `limit` (<= max_desk_queue_length).
  virtual boost::asio::awaitable<result<std::vector<queued_handoff>>> list_queue(std::string tenant_id,
                                                                                 std::size_t limit) = 0;

  /// Compare-and-set: takes a waiting handoff at `expected_version` for `actor_ref` (who must be
  /// a known agent, not away, under capacity); `owner_name` is sealed with it. A supervisor's
  /// take-over of an assigned handoff passes `from_owner` (the current owner; their load drops).
  virtual boost::asio::awaitable<result<take_result>> take_handoff(std::string tenant_id, std::string conversation_id,
                                                                   std::uint64_t expected_version,
                                                                   std::string actor_ref,
                                                                   std::optional<std::string> from_owner = {}) = 0;
  /// Automatic assignment: the longest-waiting handoff of the highest priority in a queue one of
  /// the available agents has the skill for, to the least loaded such agent (ties: the one
  /// assigned longest ago) other than its previous owner. nullopt when nothing fits.
  virtual boost::asio::awaitable<result<std::optional<queued_handoff>>> assign_next(std::string tenant_id) = 0;
  /// The owner answered (first message or typing): stops the no-answer clock. False when
  /// `actor_ref` does not own it.
  virtual boost::asio::awaitable<result<bool>> mark_answered(std::string tenant_id, std::string conversation_id,
                                                             std::string actor_ref) = 0;
  /// Back to waiting (the owner's session ended, a transfer): optionally to another queue.
  /// False when `actor_ref` does not own it (empty: whoever owns it).
  virtual boost::asio::awaitable<result<bool>> release_handoff(std::string tenant_id, std::string conversation_id,
                                                               std::string actor_ref,
                                                               std::optional<std::string> to_queue = {}) = 0;
  /// Assigned handoffs not answered since `cutoff` go back to waiting; returns their conversations.
  virtual boost::asio::awaitable<result<std::vector<std::string>>> requeue_unanswered(std::string tenant_id,
                                                                                      time_point cutoff) = 0;
  /// Every handoff `actor_ref` owns goes back to waiting (their session ended); returns them.
  virtual boost::asio::awaitable<result<std::vector<std::string>>> release_agent(std::string tenant_id,
                                                                                 std::string actor_ref) = 0;
  /// Closes the open handoff (hand-back with `note`, the user left, a failure); the owner's
  /// load drops. Returns it as closed; nullopt when there was none, or (compare-and-set) when
  /// `expected_version` is given and the handoff changed since (taken meanwhile: nothing closed).
  virtual boost::asio::awaitable<result<std::optional<queued_handoff>>> close_handoff(
      std::string tenant_id, std::string conversation_id, std::string note,
      std::optional<std::uint64_t> expected_version = {}) = 0;

  /// Creates or updates an agent: availability, capacity, skills and display name (load and
  /// times are the store's). errc::not_found (tenant).
  virtual boost::asio::awaitable<result<desk_agent>> put_desk_agent(desk_agent a) = 0;
  virtual boost::asio::awaitable<result<std::optional<desk_agent>>> get_desk_agent(std::string tenant_id,
                                                                                   std::string actor_ref) = 0;
  virtual boost::asio::awaitable<result<std::vector<desk_agent>>> list_desk_agents(std::string tenant_id) = 0;
};

[[nodiscard]] std::string_view to_string(handoff_status s) noexcept;
[[nodiscard]] std::string_view to_string(availability a) noexcept;
[[nodiscard]] std::optional<availability> parse_availability(std::string_view s) noexcept;

}  // namespace parley::store
