// Test support: a small AMQP 1.0 peer on 127.0.0.1 (a Proton listener on its own thread) that
// plays Azure Service Bus's $cbs node: it checks each put-token request (operation, type,
// audience, expiration) and the SAS token's signature with the key it was given, answers with a
// chosen status, and records which links were attached before a token was accepted and which
// messages arrived on other nodes. Its SASL mechanisms are chosen by the test.
#pragma once

#include "cbs.hpp"

#include <parley/core/base64.hpp>
#include <parley/core/clock.hpp>
#include <parley/crypto/primitives.hpp>

#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/listen_handler.hpp>
#include <proton/listener.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/scalar.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/source_options.hpp>
#include <proton/target_options.hpp>
#include <proton/timestamp.hpp>
#include <proton/tracker.hpp>
#include <proton/value.hpp>
#include <proton/work_queue.hpp>

#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::bus::amqp::testing {

class fake_peer final : public proton::messaging_handler, public proton::listen_handler {
 public:
  struct settings {
    std::string sasl_mechanisms = "ANONYMOUS";
    std::string host = "127.0.0.1";  ///< the audience is sb://<host>/
    std::string sas_key_name = "parley-rule";
    std::string sas_key = "c2FzLWtleS1mb3ItdGVzdHM=";
    std::int64_t answer = 200;  ///< status-code of every put-token answer
  };

  explicit fake_peer(settings s) : s_(std::move(s)), container_(*this) {
    container_.auto_stop(false);
    listener_ = container_.listen("127.0.0.1:0", *this);
    thread_ = std::thread([this] { container_.run(); });
    port_ = port_promise_.get_future().get();
  }
  ~fake_peer() override {
    container_.stop();
    thread_.join();
  }

  [[nodiscard]] int port() const { return port_; }

  struct observed {
    int connections = 0;
    int put_tokens = 0;
    int valid_tokens = 0;
    std::vector<std::int64_t> expiries;
    std::vector<std::string> problems;        // why a request or token was wrong
    std::vector<std::string> early_attaches;  // entity links attached before a valid token
    std::vector<std::string> entity_attaches;
    std::map<std::string, int> messages;  // by target address
  };
  [[nodiscard]] observed seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  // listen_handler
  void on_open(proton::listener& l) override { port_promise_.set_value(l.port()); }
  proton::connection_options on_accept(proton::listener&) override {
    return proton::connection_options().handler(*this).sasl_enabled(true).sasl_allowed_mechs(s_.sasl_mechanisms);
  }

  // messaging_handler
  void on_connection_open(proton::connection& c) override {
    {
      std::lock_guard lock(mutex_);
      ++seen_.connections;
      token_ok_ = false;
    }
    c.open();
  }
  void on_sender_open(proton::sender& s) override {
    // The client's receiver: $cbs replies, or an entity it consumes from.
    const auto address = s.source().address();
    if (address == "$cbs") reply_sender_ = s;
    note_attach(address);
    s.open(proton::sender_options().source(proton::source_options().address(address)));
  }
  void on_receiver_open(proton::receiver& r) override {
    const auto address = r.target().address();
    note_attach(address);
    r.open(proton::receiver_options().target(proton::target_options().address(address)).credit_window(10));
  }
  void on_message(proton::delivery& d, proton::message& m) override {
    const auto address = d.receiver().target().address();
    if (address != "$cbs") {
      std::lock_guard lock(mutex_);
      ++seen_.messages[address];
      return;
    }
    check_put_token(m);
  }
  void on_error(const proton::error_condition&) override {}
  void on_transport_error(proton::transport&) override {}

 private:
  void note_attach(const std::string& address) {
    if (address == "$cbs") return;
    std::lock_guard lock(mutex_);
    seen_.entity_attaches.push_back(address);
    if (!token_ok_) seen_.early_attaches.push_back(address);
  }

  void problem(std::string p) {
    std::lock_guard lock(mutex_);
    seen_.problems.push_back(std::move(p));
  }

  void check_put_token(const proton::message& m) {
    const auto& p = m.properties();
    const auto text = [&](const std::string& k) {
      return p.exists(k) ? proton::coerce<std::string>(p.get(k)) : std::string{};
    };
    const std::string audience = detail::cbs_audience(s_.host);
    bool ok = true;
    if (text("operation") != "put-token") problem("operation"), ok = false;
    if (text("type") != "servicebus.windows.net:sastoken") problem("type"), ok = false;
    if (text("name") != audience) problem("name " + text("name")), ok = false;
    std::int64_t expiration = 0;
    try {
      expiration = proton::get<proton::timestamp>(p.get("expiration")).milliseconds() / 1000;
    } catch (const std::exception&) {
      problem("expiration"), ok = false;
    }
    std::string token;
    try {
      token = proton::get<std::string>(m.body());  // an AMQP string, not binary
    } catch (const std::exception&) {
      problem("body is not a string"), ok = false;
    }
    // SharedAccessSignature sr=..&sig=..&se=..&skn=..: recompute the signature.
    std::map<std::string, std::string> fields;
    const std::string prefix = "SharedAccessSignature ";
    if (token.rfind(prefix, 0) != 0) problem("token prefix"), ok = false;
    std::string rest = token.substr(std::min(prefix.size(), token.size()));
    for (std::size_t start = 0; start < rest.size();) {
      const auto amp = rest.find('&', start);
      const auto part = rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      const auto eq = part.find('=');
      if (eq != std::string::npos) fields[part.substr(0, eq)] = part.substr(eq + 1);
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    const auto expected =
        detail::sas_token(audience, s_.sas_key_name, s_.sas_key, fields.contains("se") ? std::stoll(fields["se"]) : 0);
    if (token != expected) problem("signature"), ok = false;
    if (fields["skn"] != s_.sas_key_name) problem("skn"), ok = false;
    if (fields.contains("se") && std::stoll(fields["se"]) != expiration) problem("se != expiration"), ok = false;
    if (expiration <= core::unix_seconds(std::chrono::system_clock::now())) problem("expired"), ok = false;
    {
      std::lock_guard lock(mutex_);
      ++seen_.put_tokens;
      if (ok) {
        ++seen_.valid_tokens;
        seen_.expiries.push_back(expiration);
      }
      token_ok_ = ok && s_.answer == 200;
    }
    proton::message answer;
    answer.to(m.reply_to());
    answer.correlation_id(m.id());
    answer.properties().put("status-code", static_cast<std::int32_t>(ok ? s_.answer : 401));
    answer.properties().put("status-description",
                            std::string(ok ? (s_.answer == 200 ? "OK" : "Refused") : "Invalid token"));
    if (reply_sender_) reply_sender_.send(answer);
  }

  settings s_;
  proton::container container_;
  proton::listener listener_;
  std::thread thread_;
  std::promise<int> port_promise_;
  int port_ = 0;
  proton::sender reply_sender_;
  mutable std::mutex mutex_;
  observed seen_;
  bool token_ok_ = false;
};

}  // namespace parley::bus::amqp::testing
