// Private: what binds a sealed record to its place (associated data), the input checks, and the
// conversions between the contract's types and stored columns.
//
// Associated data of every record (docs/adr/0006-encrypted-store.md), integers big-endian:
//   "parley/v1/store-record" 0x00 | u8 kind | u16 n | tenant id | u16 n | conversation id |
//   u64 seq (activities; else 0) | u16 n | record id | u32 data key version | u16 n | extra
// record id: activity id, attachment id, the bot state's etag, or empty (user id, pseudonym
// secret); extra: for activities the clear columns (timestamp, type, sender role), so that a
// changed clear column also fails to open.
#pragma once

#include <parley/crypto/aead.hpp>
#include <parley/store/backend.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::store::detail {

enum class record_kind : std::uint8_t {
  activity_body = 1,
  user_id = 2,
  bot_state = 3,
  attachment_name = 4,
  attachment_bytes = 5,
  pseudonym_secret = 6,
  desk_session = 7,   ///< record id: the session's ref; extra: its bound clear columns
  desk_settings = 8,  ///< record id: empty; extra: the settings' version
  audit_entry = 9,    ///< an audit-log entry: seq is its number, extra its time (audit_store.hpp)
  // The desk's queue (desk_queue_store.hpp). 15 and 16: 10-14 are the store's padded kinds.
  desk_handoff = 15,  ///< under the conversation's key; record id: the handoff id
  desk_agent = 16,    ///< under the agent's own key; record id: the actor ref
};

struct record_place {
  record_kind kind = record_kind::activity_body;
  std::string_view tenant_id;
  std::string_view conversation_id;
  std::uint64_t seq = 0;
  std::string_view record_id;
  std::uint32_t key_version = 0;
  std::string_view extra;
};

[[nodiscard]] std::string associated_data(const record_place& place);
/// The `extra` of an activity: its timestamp, type and sender role.
[[nodiscard]] std::string activity_extra(nanos timestamp, std::string_view type, std::string_view sender_role);

/// Seals `plaintext` under `key` for `place`. Errors of aead_key::seal.
[[nodiscard]] result<bytes> seal_record(crypto::aead_key& key, const record_place& place, std::string_view plaintext);
/// Opens a record. Any failure (tampered, moved, wrong key) is errc::corrupt for the caller.
[[nodiscard]] result<std::string> open_record(const crypto::aead_key& key, const record_place& place,
                                              std::span<const std::uint8_t> sealed);

/// Ids of tenants, conversations and bots: 1..128 bytes of [A-Za-z0-9._:@|-], starting with a
/// letter or digit (they appear in key ids and associated data; '~' is kept for internal keys).
[[nodiscard]] bool valid_id(std::string_view id) noexcept;
/// Printable ASCII without spaces, 1..max bytes (activity ids, types, roles, content types).
[[nodiscard]] bool valid_token(std::string_view s, std::size_t max) noexcept;

[[nodiscard]] nanos to_nanos(time_point t) noexcept;
[[nodiscard]] time_point from_nanos(nanos n) noexcept;

/// Opaque list cursor "<last_activity>.<id>" in base64url, and its strict parser.
[[nodiscard]] std::string encode_cursor(nanos last_activity, std::string_view id);
[[nodiscard]] std::optional<std::pair<nanos, std::string>> decode_cursor(std::string_view cursor);

}  // namespace parley::store::detail
