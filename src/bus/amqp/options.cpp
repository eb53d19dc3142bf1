#include "addresses.hpp"
#include "url.hpp"

#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/core/base64.hpp>

#include <filesystem>

namespace parley::bus::amqp {
namespace {

std::shared_ptr<const core::secret_string> secret(core::config_section& s, std::string_view key) {
  auto v = s.secret(key);
  if (!v) return nullptr;
  return std::make_shared<const core::secret_string>(std::move(*v));
}

}  // namespace

std::vector<problem> check(const options& o) {
  std::vector<problem> problems;
  const auto u = detail::parse_url(o.url);
  if (!u) {
    problems.push_back({"url", "expected amqps://host[:port] (or amqp:// on loopback), without credentials or path"});
  } else if (!u->tls && !u->loopback) {
    problems.push_back({"url", "plain amqp:// is allowed on loopback only; use amqps:// (TLS, certificate verified)"});
  }
  switch (o.mechanism) {
    case auth::plain:
      if (o.user.empty()) problems.push_back({"user", "required with auth = \"plain\""});
      if (!o.password || o.password->empty())
        problems.push_back({"password", "required with auth = \"plain\" ({ file = ... } or { env = ... })"});
      break;
    case auth::external:
      if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
        problems.push_back(
            {"tls_cert_file", "a client certificate (and tls_key_file) is required with auth = \"external\""});
      }
      if (u && !u->tls) problems.push_back({"url", "auth = \"external\" needs amqps://"});
      break;
    case auth::sas:
      if (o.broker != flavour::servicebus) problems.push_back({"auth", "\"sas\" is for flavour = \"servicebus\""});
      if (o.sas_key_name.empty()) problems.push_back({"sas_key_name", "required with auth = \"sas\""});
      if (!o.sas_key || o.sas_key->empty()) problems.push_back({"sas_key", "required with auth = \"sas\""});
      if (o.sas_token_lifetime < std::chrono::seconds(1)) problems.push_back({"sas_token_lifetime", "at least 1s"});
      break;
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    problems.push_back({"tls_key_file", "give tls_cert_file and tls_key_file, or neither"});
  }
  for (const auto& [key, file] :
       {std::pair{"tls_ca_file", &o.tls_ca_file}, std::pair{"tls_cert_file", &o.tls_cert_file},
        std::pair{"tls_key_file", &o.tls_key_file}}) {
    if (!file->empty() && !std::filesystem::is_regular_file(*file)) problems.push_back({key, "no such file: " + *file});
  }
  const auto key_ok = [](const std::shared_ptr<const core::secret_string>& k) {
    if (!k) return false;
    const auto raw = core::base64url_decode(k->reveal());
    return raw && raw->size() == 32;
  };
  if (!key_ok(o.seal_key)) {
    problems.push_back({"seal_key",
                        "required: 32 random bytes as unpadded base64url (e.g. `head -c32 /dev/urandom | "
                        "basenc --base64url | tr -d =`), the same on every node"});
  }
  if (o.seal_key_previous && !key_ok(o.seal_key_previous))
    problems.push_back({"seal_key_previous", "32 bytes as unpadded base64url"});
  if (o.exchange.empty() || o.exchange.find_first_of("/{} ") != std::string::npos)
    problems.push_back({"exchange", "a plain name"});
  for (const auto* t : {&o.addresses.publish, &o.addresses.fan_out, &o.addresses.competing}) {
    if (!t->empty() && !detail::valid_template(*t)) {
      problems.push_back(
          {"addresses",
           "template \"" + *t + "\": only {topic}, {subscription}, {node}, {exchange} and address characters"});
    }
  }
  if (o.reconnect_min <= std::chrono::milliseconds(0) || o.reconnect_max < o.reconnect_min) {
    problems.push_back({"reconnect_min", "0 < reconnect_min <= reconnect_max"});
  }
  if (o.connect_timeout < std::chrono::milliseconds(100)) problems.push_back({"connect_timeout", "at least 100ms"});
  return problems;
}

options parse_options(core::config_section s) {
  options o;
  o.url = s.string("url");
  const auto f = s.string("flavour", "rabbitmq3");
  if (f == "rabbitmq3") {
    o.broker = flavour::rabbitmq3;
  } else if (f == "rabbitmq4") {
    o.broker = flavour::rabbitmq4;
  } else if (f == "artemis") {
    o.broker = flavour::artemis;
  } else if (f == "servicebus") {
    o.broker = flavour::servicebus;
  } else {
    s.error("flavour", "expected \"rabbitmq3\", \"rabbitmq4\", \"artemis\" or \"servicebus\"");
  }
  const auto a = s.string("auth", "plain");
  if (a == "plain") {
    o.mechanism = auth::plain;
  } else if (a == "external") {
    o.mechanism = auth::external;
  } else if (a == "sas") {
    o.mechanism = auth::sas;
  } else {
    s.error("auth", "expected \"plain\", \"external\" or \"sas\"");
  }
  o.user = s.string("user");
  o.password = secret(s, "password");
  o.tls_ca_file = s.string("tls_ca_file");
  o.tls_cert_file = s.string("tls_cert_file");
  o.tls_key_file = s.string("tls_key_file");
  o.exchange = s.string("exchange", o.exchange);
  o.addresses.publish = s.string("publish_address");
  o.addresses.fan_out = s.string("fan_out_address");
  o.addresses.competing = s.string("competing_address");
  o.seal_key = secret(s, "seal_key");
  o.seal_key_previous = secret(s, "seal_key_previous");
  o.sas_key_name = s.string("sas_key_name");
  o.sas_key = secret(s, "sas_key");
  o.sas_token_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(s.duration("sas_token_lifetime", o.sas_token_lifetime));
  if (o.sas_token_lifetime < std::chrono::minutes(5) || o.sas_token_lifetime > std::chrono::hours(24)) {
    s.error("sas_token_lifetime", "must be from 5m to 24h");
  }
  o.connect_timeout = s.duration("connect_timeout", o.connect_timeout);
  o.idle_timeout = s.duration("idle_timeout", o.idle_timeout);
  o.reconnect_min = s.duration("reconnect_min", o.reconnect_min);
  o.reconnect_max = s.duration("reconnect_max", o.reconnect_max);
  s.finish();
  return o;
}

}  // namespace parley::bus::amqp
