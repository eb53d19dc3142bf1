// The bus over AMQP 1.0 (Qpid Proton C++), for several nodes: RabbitMQ 3.x with its AMQP 1.0
// plugin (the tested broker), RabbitMQ 4.x, ActiveMQ Artemis, Azure Service Bus. Semantics are
// bus.hpp's; this file says how they map onto a broker.
//
// One connection per bus on a Proton container thread of its own; calls from any thread cross
// into it through a work queue, and handlers are posted to their subscription's executor. Each
// topic gets a sender link (at-least-once: a publish completes on the broker's "accepted"), each
// subscription a receiver link with manual credit (max_in_flight) whose deliveries are settled
// after the handler ran: accepted on success, released (redelivered) on failure, rejected when the
// message cannot be decoded or authenticated.
//
// Security: `amqps://` verifies the broker's certificate (tls_ca_file, or the system's trust
// store) and its name; plain `amqp://` is refused unless the host is loopback. The SASL mechanism
// is pinned (PLAIN, EXTERNAL with a client certificate, or ANONYMOUS followed by a CBS token for
// Azure Service Bus), so a broker offering ANONYMOUS never gets a silent downgrade. Bodies are
// sealed with AES-256-GCM under seal_key (every node has the same key), binding topic, tenant, key,
// sequence number, type, id and origin: the broker, its disk and anyone who can publish to it see
// neither message text nor can inject a message a node accepts. Passwords and keys are read from
// files or the environment and never logged.
//
// Failures: a lost connection (broker restart, network, idle timeout) is retried with exponential
// backoff (reconnect_min .. reconnect_max); every link is opened again on a fresh session, and
// messages sent but not yet accepted are sent again (at-least-once; consumers drop duplicates by
// the store's sequence numbers). Publishes wait for the broker for up to publish_timeout.
// status() reports unavailable/unauthorized/not_found with the broker's reason until it recovers.
// Stop: no new publishes, confirmations and handlers awaited, links detached before the
// connection closes (RabbitMQ drops accepts that trail a close), all within stop_timeout.
//
// Addresses per broker flavour (placeholders {topic}, {subscription}, {node}, {exchange}):
//   rabbitmq3:  publish /exchange/{exchange}/{topic}; fan-out /exchange/{exchange}/{topic} (a
//               server-named queue per link: add a policy `expires` on ^amq\.gen- for the queues
//               3.x leaves behind); competing /amq/queue/{subscription}, a durable queue bound to
//               {exchange} with key {topic}, declared out of band (definitions file).
//   rabbitmq4:  /exchanges/{exchange}/{topic}; fan-out /queues/{node}.{topic}; competing
//               /queues/{subscription} (queues and bindings declared out of band). Untested here.
//   artemis:    {topic} with capability "topic"; fan-out a non-durable subscription of {topic};
//               competing a shared durable subscription named {subscription}. Untested here.
//   servicebus: {topic}; fan-out {topic}/subscriptions/{node}; competing
//               {topic}/subscriptions/{subscription} (subscriptions created out of band);
//               auth = "sas" puts a SAS token on $cbs (renewed before it expires). Unit-tested
//               against a fake peer only, never against the real service.
//
// Thread-safety: as bus.hpp. open() may be called from any thread.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/bus/options.hpp>
#include <parley/core/config.hpp>
#include <parley/core/log.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace parley::net {
class metrics_registry;
}

namespace parley::bus::amqp {

enum class flavour { rabbitmq3, rabbitmq4, artemis, servicebus };
enum class auth {
  plain,     ///< SASL PLAIN with user and password
  external,  ///< SASL EXTERNAL: the TLS client certificate (tls_cert_file, tls_key_file)
  sas,       ///< Azure Service Bus: SASL ANONYMOUS, then a SAS token put on $cbs
};

/// Broker addresses; an empty field takes the flavour's default (see the file comment).
struct address_templates {
  std::string publish;    ///< a topic's sender target
  std::string fan_out;    ///< a fan-out subscription's source
  std::string competing;  ///< a competing subscription's source
};

// Section [bus.amqp]:
//   url = "amqps://broker.example:5671"   # amqp:// only on loopback
//   flavour = "rabbitmq3"                  # rabbitmq3 | rabbitmq4 | artemis | servicebus
//   auth = "plain"                         # plain | external | sas
//   user = "parley"                        # plain
//   password = { file = "/etc/parley/bus-password" }   # plain (or { env = "NAME" })
//   tls_ca_file = "/etc/parley/broker-ca.pem"          # empty: the system's trust store
//   tls_cert_file = ""  tls_key_file = ""               # client certificate (external)
//   exchange = "amq.topic"                 # RabbitMQ: the topic exchange
//   publish_address = ""  fan_out_address = ""  competing_address = ""   # override templates
//   seal_key = { file = "/etc/parley/bus-seal.key" }    # 32 bytes, base64url (required)
//   seal_key_previous = { file = "..." }                # optional: still opened during a rotation
//   sas_key_name = ""  sas_key = { file = "..." }       # sas
//   sas_token_lifetime = "1h"
//   connect_timeout = "10s"  idle_timeout = "30s"  reconnect_min = "200ms"  reconnect_max = "10s"
struct options {
  std::string url;
  flavour broker = flavour::rabbitmq3;  ///< key "flavour"
  auth mechanism = auth::plain;         ///< key "auth"
  std::string user;
  std::shared_ptr<const core::secret_string> password;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string exchange = "amq.topic";
  address_templates addresses;
  std::shared_ptr<const core::secret_string> seal_key;
  std::shared_ptr<const core::secret_string> seal_key_previous;
  std::string sas_key_name;
  std::shared_ptr<const core::secret_string> sas_key;
  std::chrono::seconds sas_token_lifetime{3600};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds reconnect_min{200};
  std::chrono::milliseconds reconnect_max{10000};
};

/// Reads [bus.amqp] (types, ranges, names; file paths as written: src/app resolves relative ones
/// against the configuration's directory, then calls check()). Problems are recorded in the
/// configuration.
[[nodiscard]] options parse_options(core::config_section section);

struct problem {
  std::string key;      ///< the [bus.amqp] key concerned
  std::string message;  ///< what is wrong, one sentence, never a secret
};
/// What makes `o` unusable (empty: usable): URL scheme and host (plain amqp only on loopback, no
/// credentials or path in the URL), the mechanism's credentials, files that do not exist, the
/// seal key, address templates, timeouts.
[[nodiscard]] std::vector<problem> check(const options& o);

/// Starts the bus (it connects in the background: status() tells). errc::invalid_argument when
/// check() finds a problem (logged, without secrets).
[[nodiscard]] result<std::unique_ptr<bus>> open(const parley::bus::options& common, options amqp,
                                                net::metrics_registry* metrics = nullptr);

}  // namespace parley::bus::amqp
