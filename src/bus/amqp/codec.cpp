#include "codec.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/aead.hpp>
#include <parley/crypto/primitives.hpp>

#include <proton/binary.hpp>
#include <proton/error.hpp>
#include <proton/scalar.hpp>
#include <proton/value.hpp>

#include <optional>

namespace parley::bus::amqp::detail {
namespace {

constexpr std::int64_t format_version = 1;

result<crypto::aead_key> make_key(const core::secret_string& text) {
  auto raw = core::base64url_decode(text.reveal());
  if (!raw || raw->size() != crypto::aead_key_size) return make_error_code(errc::invalid_argument);
  auto bytes = crypto::secure_buffer::copy_of(*raw);
  crypto::secure_wipe(std::span<std::uint8_t>(raw->data(), raw->size()));
  if (!bytes) return make_error_code(errc::invalid_argument);
  const auto digest = crypto::sha256(bytes->bytes());
  const std::string id = "bus-" + core::hex_encode(std::span<const std::uint8_t>(digest.data(), 4));
  crypto::aead_options o;
  o.keep_key_schedule = true;  // every message is sealed: the hot path
  auto key = crypto::aead_key::create(std::move(*bytes), id, 1, o);
  if (!key) return make_error_code(errc::invalid_argument);
  return std::move(*key);
}

// Every field a consumer acts on, length-prefixed so that no two messages share associated data.
std::string associated_data(const message& m) {
  std::string ad = "parley/bus/v1";
  const auto add = [&](std::string_view v) {
    ad += std::to_string(v.size());
    ad.push_back(':');
    ad.append(v);
  };
  add(m.topic);
  add(m.tenant);
  add(m.key);
  add(std::to_string(m.seq));
  add(m.type);
  add(m.id);
  add(m.origin);
  add(std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(m.published_at.time_since_epoch()).count()));
  return ad;
}

std::string text_property(const proton::message::property_map& p, const std::string& name) {
  if (!p.exists(name)) throw proton::error("missing " + name);
  return proton::get<std::string>(p.get(name));
}

}  // namespace

struct sealer::keys {
  crypto::aead_key current;
  std::optional<crypto::aead_key> previous;
};

sealer::sealer(std::unique_ptr<keys> k) noexcept : keys_(std::move(k)) {}
sealer::sealer(sealer&&) noexcept = default;
sealer& sealer::operator=(sealer&&) noexcept = default;
sealer::~sealer() = default;

result<sealer> sealer::create(const core::secret_string& key, const core::secret_string* previous) {
  auto current = make_key(key);
  if (!current) return current.error();
  auto k = std::make_unique<keys>(keys{std::move(*current), std::nullopt});
  if (previous && !previous->empty()) {
    auto old = make_key(*previous);
    if (!old) return old.error();
    k->previous.emplace(std::move(*old));
  }
  return sealer(std::move(k));
}

result<proton::message> sealer::encode(const message& m) const {
  const auto ad = associated_data(m);
  auto sealed = keys_->current.seal(crypto::as_bytes(m.body), crypto::as_bytes(ad));
  if (!sealed) return make_error_code(errc::invalid_argument);
  proton::message pm;
  pm.id(m.id);
  pm.durable(true);
  pm.content_type("application/octet-stream");
  auto& p = pm.properties();
  p.put("v", format_version);
  p.put("tenant", m.tenant);
  p.put("key", m.key);
  p.put("seq", m.seq);
  p.put("type", m.type);
  p.put("origin", m.origin);
  p.put("published_at",
        static_cast<std::int64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(m.published_at.time_since_epoch()).count()));
  pm.body(proton::binary(sealed->begin(), sealed->end()));
  pm.inferred(true);  // one data section
  return pm;
}

result<message> sealer::decode(const proton::message& pm, const std::string& topic, std::size_t max_body_bytes,
                               bool first_acquirer_marks_redelivery) const {
  const auto bad = make_error_code(errc::bad_message);
  message m;
  m.topic = topic;
  proton::binary sealed;
  try {
    const auto& p = pm.properties();
    if (!p.exists("v") || proton::get<std::int64_t>(p.get("v")) != format_version) return bad;
    m.id = proton::get<std::string>(pm.id());
    m.tenant = text_property(p, "tenant");
    m.key = text_property(p, "key");
    m.seq = proton::get<std::uint64_t>(p.get("seq"));
    m.type = text_property(p, "type");
    m.origin = text_property(p, "origin");
    m.published_at = std::chrono::system_clock::time_point(
        std::chrono::microseconds(proton::get<std::int64_t>(p.get("published_at"))));
    sealed = proton::get<proton::binary>(pm.body());
  } catch (const std::exception&) {
    return bad;
  }
  if (sealed.size() > max_body_bytes + 256) return bad;
  const std::span<const std::uint8_t> record(sealed.data(), sealed.size());
  const auto header = crypto::parse_sealed(record);
  if (!header) return bad;
  const crypto::aead_key* key = nullptr;
  if (header->key_id == keys_->current.id()) key = &keys_->current;
  if (keys_->previous && header->key_id == keys_->previous->id()) key = &*keys_->previous;
  if (!key) return bad;
  const auto opened = key->open(record, crypto::as_bytes(associated_data(m)));
  if (!opened) return bad;
  m.body.assign(opened->begin(), opened->end());
  m.delivery_count = pm.delivery_count();
  if (first_acquirer_marks_redelivery && !pm.first_acquirer())
    m.delivery_count = std::max<std::uint32_t>(m.delivery_count, 1);
  return m;
}

}  // namespace parley::bus::amqp::detail
