// What the Direct Line API and the Connector API do to a conversation, over the store: start it,
// append an activity (timestamp, store, hand it to the fan-out), read activities back as clients see
// them. Activity ids are "<conversationId>|<seq>" (the store's gap-free sequence), so the body is
// stored without `id` and the id is put back when the activity is read or published; a new
// version of an activity (a bot's PUT or DELETE) is stored with its original id as first member.
//
// A record that fails its integrity check (store: `corrupt`) is never skipped silently: readers
// get an *integrity marker* in its place, with its Direct Line id and sequence number
// (integrity_marker(), docs/adr/0017-integrity-marker.md), so the watermark passes it only after
// the client was shown that something is missing.
//
// Errors: errc::not_found (no such conversation for this tenant), errc::store_unavailable,
// errc::too_large, errc::integrity_failure (where no marker can stand in), errc::internal.
// Thread-safety: every member may be called from any thread; appends to one conversation are
// serialised (conversation_locks), appends to different conversations run in parallel.
#pragma once

#include "activity.hpp"
#include "conversation_locks.hpp"
#include "stream_hub.hpp"

#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>
#include <parley/store/conversation_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>

namespace parley::channel {

/// Which conversation of which tenant.
struct conversation_ref {
  std::string tenant_id;
  std::string conversation_id;
};

/// An activity to append.
struct activity_append {
  boost::json::object activity;                ///< normalised; no id or timestamp yet
  std::string sender_role;                     ///< "user", "bot", "channel", "consultant"
  std::optional<std::string> idempotency_key;  ///< a retried append returns the first result
  /// For a new version of an existing activity: its Direct Line id and its store activity id.
  std::optional<std::string> version_of_id;
  std::optional<std::string> version_of_store_id;
  /// 0: no limit. Else the activity as stored and delivered (with the id and timestamp the
  /// channel adds; the id counted at its longest, 20 digits of sequence) must fit in this many
  /// bytes, or append() fails with too_large and stores nothing.
  std::size_t max_bytes = 0;
  /// The store's record type when it is not the activity's `type` (handoff_record_type).
  std::optional<std::string> record_type;
};

struct appended_activity {
  std::uint64_t seq = 0;
  std::string id;
  std::string type;
  std::string body;        ///< with id and timestamp (empty for a duplicate: read it back if needed)
  bool duplicate = false;  ///< the idempotency key was seen before: nothing was appended or published
};

/// A page of activities as clients get them.
struct client_page {
  std::vector<std::string> bodies;  ///< JSON with ids
  std::uint64_t watermark = 0;      ///< seq of the last activity considered (delivered or filtered)
};

class conversation_service {
 public:
  /// Receives every activity appended (not a duplicate), under its conversation's lock, so in
  /// sequence order per conversation: the channel's fan-out to streams (channel.cpp).
  using appended_fn = std::function<void(activity_event)>;

  /// `store`, `clock` and `rng` must outlive the service.
  conversation_service(store::conversation_store& store, appended_fn on_appended, const core::clock& clock,
                       core::random_source& rng);

  /// Creates the conversation if it does not exist; true when it was created now.
  [[nodiscard]] boost::asio::awaitable<result<bool>> ensure(const conversation_ref& ref, std::string bot_id,
                                                            std::string user_id);
  [[nodiscard]] boost::asio::awaitable<result<store::conversation>> get(const conversation_ref& ref);

  /// Appends and hands the activity to on_appended (see the file comment). The lock of the
  /// conversation is held only here.
  [[nodiscard]] boost::asio::awaitable<result<appended_activity>> append(const conversation_ref& ref,
                                                                         activity_append a);

  /// Activities after `after` for polling (no typing, no conversationUpdate), at most `max_count`
  /// and about `max_bytes` (at least one).
  [[nodiscard]] boost::asio::awaitable<result<client_page>> poll(const conversation_ref& ref, std::uint64_t after,
                                                                 std::size_t max_count, std::size_t max_bytes);
  /// Every record after `after` (all types), with ids, for a stream's replay; a record that fails
  /// its integrity check comes as an integrity marker (type "message", corrupt still set).
  [[nodiscard]] boost::asio::awaitable<result<store::activity_page>> read(const conversation_ref& ref,
                                                                          std::uint64_t after, std::size_t limit);
  /// The newest version of the activity with Direct Line id `id` (seq and store id), with its body.
  /// errc::integrity_failure if it fails its integrity check.
  [[nodiscard]] boost::asio::awaitable<result<store::activity_record>> find(const conversation_ref& ref,
                                                                            std::string_view id);

 private:
  store::conversation_store& store_;
  appended_fn on_appended_;
  const core::clock& clock_;
  core::random_source& rng_;
  conversation_locks locks_;
};

/// A stored body with its Direct Line id put back (see the file comment).
[[nodiscard]] std::string with_id(std::string_view conversation_id, const store::activity_record& r);

/// What a reader gets in place of record `seq` when it fails its integrity check: a channel
/// message `{"type":"message","id":"<conv>|<seq>","from":{"id":"parley","role":"channel"},"text":...,
/// "channelData":{"parley":{"integrity":{"status":"failed","seq":N}}}}`, timestamped `when`
/// (detection time: the record's own time is sealed with it).
[[nodiscard]] std::string integrity_marker(std::string_view conversation_id, std::uint64_t seq,
                                           std::chrono::system_clock::time_point when);

/// A store error as a channel error.
[[nodiscard]] error_code from_store(const error_code& ec);

}  // namespace parley::channel
