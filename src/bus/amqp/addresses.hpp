// Private: broker addresses, link names, capabilities and terminus durability per flavour
// (amqp_bus.hpp lists them).
#pragma once

#include <parley/bus/amqp/amqp_bus.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bus::amqp::detail {

/// What a link attaches to.
struct link_address {
  std::string address;
  std::vector<std::string> capabilities;
  bool durable = false;   ///< durable terminus (configuration), expiry "never"
  std::string link_name;  ///< unique on the connection (Artemis: the shared subscription's name)
};

/// The flavour's templates.
[[nodiscard]] address_templates default_templates(flavour f);

/// Replaces {topic}, {subscription}, {node} and {exchange}; other text is copied.
[[nodiscard]] std::string expand(std::string_view tmpl, std::string_view topic, std::string_view subscription,
                                 std::string_view node, std::string_view exchange);

/// True when `tmpl` has only known placeholders and no characters a broker address cannot hold.
[[nodiscard]] bool valid_template(std::string_view tmpl);

class address_book {
 public:
  address_book(flavour f, std::string exchange, const address_templates& overrides, std::string node);
  [[nodiscard]] link_address publish(std::string_view topic) const;
  /// `id` makes the link name unique among this connection's subscriptions.
  [[nodiscard]] link_address subscribe(const subscription_options& o, std::uint64_t id) const;

 private:
  flavour flavour_;
  std::string exchange_;
  address_templates templates_;
  std::string node_;
};

}  // namespace parley::bus::amqp::detail
