// Private: what binds a sealed record to its place (associated data), what a record holds and how
// it is padded, the input checks, and the conversions between the contract's types and columns.
//
// Associated data of every record (docs/adr/0006-encrypted-store.md), integers big-endian:
//   "parley/v1/store-record" 0x00 | u8 kind | u16 n | tenant id | u16 n | conversation id |
//   u64 seq (activities; else 0) | u16 n | record id | u32 data key version | u16 n | extra
// record id: activity id, attachment id, the bot state's etag, or empty (conversation record,
// pseudonym secret); extra: only in the legacy activity kind (its clear columns).
//
// Records of the current kinds (docs/adr/0019-metadata-in-clear.md) carry what used to be clear
// columns inside the ciphertext (an activity's timestamp, type and sender role; a conversation's
// user id, bot id and creation time; a file's content type, name and size), and are padded before
// sealing: plaintext = u32 length | payload | zeros, to Padmé's bucket of the framed size (at most
// 12 % larger, revealing O(log log n) bits of the size; Nikitin et al., PETS 2019) and at least a
// per-kind minimum, so that a short message and a long one look alike.
#pragma once

#include <parley/crypto/aead.hpp>
#include <parley/store/backend.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::store::detail {

enum class record_kind : std::uint8_t {
  // Kinds written before erasure subjects (read only by the one-time upgrade).
  activity_body = 1,
  user_id = 2,
  bot_state = 3,
  attachment_name = 4,
  attachment_bytes = 5,
  // Both generations.
  pseudonym_secret = 6,
  // Kinds of the service desk (desk_store.hpp; not padded).
  desk_session = 7,   ///< record id: the session's ref; extra: its bound clear columns
  desk_settings = 8,  ///< record id: empty; extra: the settings' version
  audit_entry = 9,          ///< an audit-log entry: seq is its number, extra its time (audit_store.hpp)
  // Current kinds: payloads framed and padded (see the file comment).
  activity = 10,            ///< timestamp, type, sender role, activity JSON
  conversation = 11,        ///< user id, bot id, creation time
  bot_state_padded = 12,    ///< the bot state
  attachment_meta = 13,     ///< content type, file name, size
  attachment_content = 14,  ///< the file's bytes
  // The desk's queue (desk_queue_store.hpp; not padded).
  desk_handoff = 15,  ///< under the conversation's key; record id: the handoff id
  desk_agent = 16,    ///< under the agent's own key; record id: the actor ref
};

/// Smallest padded plaintext per kind.
[[nodiscard]] std::size_t min_padded_size(record_kind kind) noexcept;
/// The padded size of a payload of `n` bytes (framing included).
[[nodiscard]] std::size_t padded_size(std::size_t n, std::size_t minimum) noexcept;

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

/// Seals `plaintext` under `key` for `place` (as is: legacy kinds and the pseudonym secret).
/// Errors of aead_key::seal.
[[nodiscard]] result<bytes> seal_record(crypto::aead_key& key, const record_place& place, std::string_view plaintext);
/// Opens a record. Any failure (tampered, moved, wrong key) is errc::corrupt for the caller.
[[nodiscard]] result<std::string> open_record(const crypto::aead_key& key, const record_place& place,
                                              std::span<const std::uint8_t> sealed);
/// Seals `payload` framed and padded for place.kind. Errors of aead_key::seal.
[[nodiscard]] result<bytes> seal_padded(crypto::aead_key& key, const record_place& place, std::string_view payload);
/// Opens a padded record and returns its payload. errc::corrupt (also for bad framing).
[[nodiscard]] result<std::string> open_padded(const crypto::aead_key& key, const record_place& place,
                                              std::span<const std::uint8_t> sealed);

/// What an activity record holds besides the body.
struct activity_header {
  nanos timestamp = 0;
  std::string type;
  std::string sender_role;
};
[[nodiscard]] std::string encode_activity(const activity_header& h, std::string_view body);
/// errc::corrupt when malformed; `body` gets the activity JSON.
[[nodiscard]] result<activity_header> decode_activity(std::string_view payload, std::string& body);

struct conversation_fields {
  std::string user_id;
  std::string bot_id;
  nanos created = 0;
};
[[nodiscard]] std::string encode_conversation(const conversation_fields& c);
[[nodiscard]] result<conversation_fields> decode_conversation(std::string_view payload);

struct attachment_fields {
  std::string content_type;
  std::string name;
  std::uint64_t size = 0;
};
[[nodiscard]] std::string encode_attachment(const attachment_fields& a);
[[nodiscard]] result<attachment_fields> decode_attachment(std::string_view payload);

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
