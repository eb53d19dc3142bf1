// Private: a bus::message as an AMQP message and back. The body is sealed (AES-256-GCM, crypto's
// record format, key id "bus-<8 hex of SHA-256(key)>") with associated data binding every field a
// consumer acts on; the fields travel in application properties, the sealed body as one data
// section. Decoding refuses (errc::bad_message) a message with missing or mistyped fields, over
// the size limit, or whose seal does not open under the current or the previous key.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/core/log.hpp>

#include <proton/message.hpp>
#include <proton/message_id.hpp>

#include <memory>

namespace parley::bus::amqp::detail {

class sealer {
 public:
  /// Keys are 32 bytes as base64url (unpadded). errc::invalid_argument otherwise.
  [[nodiscard]] static result<sealer> create(const core::secret_string& key, const core::secret_string* previous);
  sealer(sealer&&) noexcept;
  sealer& operator=(sealer&&) noexcept;
  ~sealer();

  /// The AMQP message for `m` (id, origin and published_at already set).
  [[nodiscard]] result<proton::message> encode(const message& m) const;
  /// The bus message in `pm`, received on a subscription of `topic` (the seal binds the topic:
  /// a message published on another one does not open). delivery_count comes from the header;
  /// with `first_acquirer_marks_redelivery` (RabbitMQ 3.x, which redelivers with delivery-count
  /// 0) a message not marked first-acquirer counts as redelivered. errc::bad_message.
  [[nodiscard]] result<message> decode(const proton::message& pm, const std::string& topic, std::size_t max_body_bytes,
                                       bool first_acquirer_marks_redelivery) const;

  struct keys;

 private:
  explicit sealer(std::unique_ptr<keys> k) noexcept;
  std::unique_ptr<keys> keys_;
};

}  // namespace parley::bus::amqp::detail
