// The conversation store: what the channel, the bot web service and the service desk keep about
// conversations, encrypted at rest. This header is the contract between those components and the
// store; the implementation (encryption under the key hierarchy, SQLite and PostgreSQL backends)
// lives in this component and is chosen by src/app.
//
// Callers pass and receive plaintext; the store encrypts everything a person wrote or that
// identifies them (activity bodies and their timestamps, types and roles, attachment bytes, names,
// types and sizes, bot state, the user and bot ids) with AES-256-GCM under the conversation's data
// key, padded to size buckets, and binds each ciphertext to its tenant, conversation, record kind
// and sequence number. Only what queries need is stored in the clear (ids, tenant, the
// conversation's state and last activity time, sequence numbers; docs/adr/0019).
//
// Integrity: a record that fails to authenticate (tampered, moved between rows, truncated, or
// sealed under a key whose wrapped form was tampered with) is never returned as data. An activity
// is then returned flagged `corrupt` in its place, with its sequence number, so that the reader
// can show that something is missing (the channel turns it into an integrity marker,
// docs/adr/0017-integrity-marker.md); other records fail with errc::corrupt.
//
// Every call names the tenant. A conversation id of another tenant is "not found", never data.
//
// Thread-safety: every member function may be called concurrently from any thread. Calls are
// asynchronous: blocking work runs on the store's own thread pool and the coroutine resumes on the
// caller's executor.
#pragma once

#include <parley/core/error.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::store {

using time_point = std::chrono::system_clock::time_point;

/// Errors of the store component.
enum class errc {
  not_found = 1,          ///< no such tenant/conversation/activity/attachment for this tenant
  already_exists,         ///< create of an id that exists
  etag_mismatch,          ///< optimistic concurrency: the bot state changed since it was read
  corrupt,                ///< a record failed to authenticate (tampered, moved, or its key is gone)
  erased,                 ///< the conversation was erased (its data key destroyed)
  too_large,              ///< a body, attachment or state over the configured limit
  unavailable,            ///< backend down (disk full, connection lost); retry later
  wrong_root_key,         ///< the root key does not match the one the database was created with
  limit_exceeded,         ///< a key reached its use limit and must be rotated
  invalid_argument,       ///< an id, type or key that is empty, too long or not printable ASCII
  key_retired,            ///< a tenant key version this data needs was retired after it was written
  stale_erasure_secrets,  ///< the erasure secrets file is another installation's, or older than the database
};
const boost::system::error_category& store_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), store_category()};
}

enum class conversation_state { with_bot, waiting_for_consultant, with_consultant, ended };
[[nodiscard]] std::string_view to_string(conversation_state s) noexcept;
[[nodiscard]] std::optional<conversation_state> conversation_state_from_string(std::string_view s) noexcept;

struct conversation {
  std::string id;
  std::string tenant_id;
  std::string bot_id;
  std::string user_id;  ///< the pseudonymous end-user id bound by the channel (e.g. "dl_...")
  time_point created{};
  time_point last_activity{};
  conversation_state state = conversation_state::with_bot;
  std::uint64_t last_seq = 0;  ///< sequence number of the newest activity (0: none yet)
};

/// An activity to append. `body` is the full activity JSON as the channel will deliver it.
struct new_activity {
  std::string activity_id;  ///< unique within the conversation
  time_point timestamp{};
  std::string type;                            ///< "message", "typing", "event"... (clear, for queries)
  std::string sender_role;                     ///< "user", "bot", "consultant", "channel" (clear)
  std::string body;                            ///< JSON, encrypted at rest
  std::optional<std::string> idempotency_key;  ///< a retried append with the same key returns the first result
};

struct activity_record {
  std::uint64_t seq = 0;  ///< gap-free per conversation, starting at 1; the Direct Line watermark
  std::string activity_id;
  time_point timestamp{};   ///< sealed with the body: the epoch when corrupt
  std::string type;         ///< sealed with the body: empty when corrupt
  std::string sender_role;  ///< sealed with the body: empty when corrupt
  std::string body;         ///< empty when corrupt
  /// The record failed its integrity check (it, or the key it is sealed under, was tampered
  /// with): only seq and activity_id are known. Reported in place, never returned as garbage.
  bool corrupt = false;
};

struct activity_page {
  std::vector<activity_record> activities;  ///< in sequence order
  std::uint64_t last_seq = 0;               ///< seq of the last record returned (or the `after` given)
  bool more = false;                        ///< more records exist after last_seq
};

struct append_result {
  std::uint64_t seq = 0;
  std::string activity_id;
  bool duplicate = false;  ///< the idempotency key was seen before; nothing was appended
};

struct bot_state {
  std::string data;  ///< opaque to the store (the assistant's JSON), encrypted at rest
  std::string etag;
};

struct attachment {
  std::string content_type;
  std::string name;
  std::string bytes;
};

struct conversation_filter {
  std::optional<conversation_state> state;
  std::optional<time_point> active_since;  ///< last_activity >= this
  std::size_t limit = 50;
  std::optional<std::string> cursor;  ///< from the previous page
};

struct conversation_page {
  std::vector<conversation> conversations;  ///< newest activity first
  std::optional<std::string> next_cursor;
};

/// Encrypted conversation store (see the file comment). Errors: errc above, plus
/// errc::unavailable for backend failures (which never crash the process).
class conversation_store {
 public:
  virtual ~conversation_store() = default;

  /// Registers a tenant (creating its tenant key) if it does not exist yet. Idempotent.
  virtual boost::asio::awaitable<result<void>> ensure_tenant(std::string tenant_id) = 0;

  /// Creates a conversation (and its data key). errc::already_exists if the id is taken,
  /// errc::not_found if the tenant was never ensured.
  virtual boost::asio::awaitable<result<conversation>> create_conversation(std::string tenant_id, std::string id,
                                                                           std::string bot_id, std::string user_id) = 0;
  virtual boost::asio::awaitable<result<conversation>> get_conversation(std::string tenant_id, std::string id) = 0;
  virtual boost::asio::awaitable<result<conversation_page>> list_conversations(std::string tenant_id,
                                                                               conversation_filter filter) = 0;
  virtual boost::asio::awaitable<result<void>> set_conversation_state(std::string tenant_id, std::string id,
                                                                      conversation_state state) = 0;

  /// Appends an activity; the sequence number is assigned atomically (gap-free, ordered).
  /// Acknowledged appends survive a crash.
  virtual boost::asio::awaitable<result<append_result>> append_activity(std::string tenant_id,
                                                                        std::string conversation_id,
                                                                        new_activity activity) = 0;
  /// Activities with seq > after, at most `limit`, in order. A record that fails its integrity
  /// check is in the page flagged `corrupt`; when the conversation's key itself fails it, every
  /// record is. errc::erased when the conversation's key was erased (rows of an older copy).
  virtual boost::asio::awaitable<result<activity_page>> read_activities(std::string tenant_id,
                                                                        std::string conversation_id,
                                                                        std::uint64_t after, std::size_t limit) = 0;
  /// The newest version of one activity by its id.
  virtual boost::asio::awaitable<result<activity_record>> get_activity(std::string tenant_id,
                                                                       std::string conversation_id,
                                                                       std::string activity_id) = 0;

  /// Bot state with optimistic concurrency: put succeeds only if `expected_etag` matches the
  /// current etag (std::nullopt: only if there is no state yet); otherwise errc::etag_mismatch.
  /// get may be answered from the implementation's cache, so it can return a state that another
  /// process has replaced since; put always compares with the stored etag, which catches that.
  virtual boost::asio::awaitable<result<std::optional<bot_state>>> get_bot_state(std::string tenant_id,
                                                                                 std::string conversation_id) = 0;
  virtual boost::asio::awaitable<result<std::string>> put_bot_state(std::string tenant_id, std::string conversation_id,
                                                                    std::string data,
                                                                    std::optional<std::string> expected_etag) = 0;

  /// Uploaded files, encrypted; ids are unguessable.
  virtual boost::asio::awaitable<result<std::string>> put_attachment(std::string tenant_id, std::string conversation_id,
                                                                     attachment file) = 0;
  virtual boost::asio::awaitable<result<attachment>> get_attachment(std::string tenant_id, std::string conversation_id,
                                                                    std::string attachment_id) = 0;

  /// Crypto-shredding: destroys the conversation's data key, then deletes its rows.
  virtual boost::asio::awaitable<result<void>> erase_conversation(std::string tenant_id,
                                                                  std::string conversation_id) = 0;
  /// Erases every conversation of one end user; returns how many.
  virtual boost::asio::awaitable<result<std::size_t>> erase_user(std::string tenant_id, std::string user_id) = 0;
  /// Erases conversations whose last activity is older than `older_than`; returns how many.
  virtual boost::asio::awaitable<result<std::size_t>> purge(std::string tenant_id, time_point older_than) = 0;
};

}  // namespace parley::store

template <>
struct boost::system::is_error_code_enum<parley::store::errc> : std::true_type {};
