#include "addresses.hpp"

#include <algorithm>

namespace parley::bus::amqp::detail {

address_templates default_templates(flavour f) {
  switch (f) {
    case flavour::rabbitmq3:
      return {"/exchange/{exchange}/{topic}", "/exchange/{exchange}/{topic}", "/amq/queue/{subscription}"};
    case flavour::rabbitmq4:
      return {"/exchanges/{exchange}/{topic}", "/queues/{node}.{topic}", "/queues/{subscription}"};
    case flavour::artemis:
      return {"{topic}", "{topic}", "{topic}"};
    case flavour::servicebus:
      return {"{topic}", "{topic}/subscriptions/{node}", "{topic}/subscriptions/{subscription}"};
  }
  return {};
}

std::string expand(std::string_view tmpl, std::string_view topic, std::string_view subscription, std::string_view node,
                   std::string_view exchange) {
  std::string out;
  out.reserve(tmpl.size() + 32);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      const auto end = tmpl.find('}', i);
      if (end != std::string_view::npos) {
        const auto name = tmpl.substr(i + 1, end - i - 1);
        const std::string_view* value = nullptr;
        if (name == "topic") value = &topic;
        if (name == "subscription") value = &subscription;
        if (name == "node") value = &node;
        if (name == "exchange") value = &exchange;
        if (value) {
          out.append(*value);
          i = end + 1;
          continue;
        }
      }
    }
    out.push_back(tmpl[i++]);
  }
  return out;
}

bool valid_template(std::string_view tmpl) {
  if (tmpl.empty() || tmpl.size() > 256) return false;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    const char c = tmpl[i];
    if (c == '{') {
      const auto end = tmpl.find('}', i);
      if (end == std::string_view::npos) return false;
      const auto name = tmpl.substr(i + 1, end - i - 1);
      if (name != "topic" && name != "subscription" && name != "node" && name != "exchange") return false;
      i = end;
      continue;
    }
    if (c <= 0x20 || c >= 0x7f || c == '}' || c == '#' || c == '*' || c == '?') return false;
  }
  return true;
}

address_book::address_book(flavour f, std::string exchange, const address_templates& overrides, std::string node)
    : flavour_(f), exchange_(std::move(exchange)), templates_(default_templates(f)), node_(std::move(node)) {
  if (!overrides.publish.empty()) templates_.publish = overrides.publish;
  if (!overrides.fan_out.empty()) templates_.fan_out = overrides.fan_out;
  if (!overrides.competing.empty()) templates_.competing = overrides.competing;
}

link_address address_book::publish(std::string_view topic) const {
  link_address a;
  a.address = expand(templates_.publish, topic, {}, node_, exchange_);
  if (flavour_ == flavour::artemis) a.capabilities = {"topic"};
  a.link_name = "parley/" + node_ + "/publish/" + std::string(topic);
  return a;
}

link_address address_book::subscribe(const subscription_options& o, std::uint64_t id) const {
  link_address a;
  if (o.kind == subscription_kind::fan_out) {
    a.address = expand(templates_.fan_out, o.topic, {}, node_, exchange_);
    if (flavour_ == flavour::artemis) a.capabilities = {"topic"};
    a.link_name = "parley/" + node_ + "/fan-out/" + o.topic + "/" + std::to_string(id);
    return a;
  }
  a.address = expand(templates_.competing, o.topic, o.name, node_, exchange_);
  a.durable = true;
  if (flavour_ == flavour::artemis) {
    // A shared durable subscription: Artemis names its queue after the link.
    a.capabilities = {"topic", "shared", "global"};
    a.link_name = o.name;
  } else {
    a.link_name = "parley/" + node_ + "/competing/" + o.name + "/" + std::to_string(id);
  }
  return a;
}

}  // namespace parley::bus::amqp::detail
