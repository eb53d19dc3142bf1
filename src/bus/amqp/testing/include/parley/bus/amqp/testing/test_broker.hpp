// The RabbitMQ test broker for tests (testing/rabbitmq.sh): the CTest fixture's, named by
// $PARLEY_TEST_BROKER, or else one this process starts on first use and stops at exit (so that a
// test binary also runs by hand). Gives the bus options that reach it and lets a test crash,
// halt and restart it (same ports, same data).
// Errors throw std::runtime_error: this is test support.
// Thread-safety: one thread at a time.
#pragma once

#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/core/config.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace parley::bus::amqp::testing {

class test_broker {
 public:
  /// The broker every test of this process uses.
  static test_broker& shared() {
    static test_broker b;
    return b;
  }

  ~test_broker() {
    if (owned_) (void)run("stop");
  }

  [[nodiscard]] int port() const { return std::stoi(env_.at("PORT")); }
  [[nodiscard]] int tls_port() const { return std::stoi(env_.at("TLS_PORT")); }
  [[nodiscard]] const std::string& file(const std::string& key) const { return env_.at(key); }

  /// Plain AMQP on loopback, SASL PLAIN as "parley", the shared seal key.
  [[nodiscard]] options plain() const {
    options o;
    o.url = "amqp://127.0.0.1:" + std::to_string(port());
    o.user = "parley";
    o.password = secret(file("PASSWORD_FILE"));
    o.seal_key = secret(file("SEAL_KEY_FILE"));
    o.reconnect_min = std::chrono::milliseconds(100);
    o.reconnect_max = std::chrono::milliseconds(1000);
    o.connect_timeout = std::chrono::seconds(5);
    return o;
  }
  /// TLS to "localhost" (the test CA's server certificate names it), SASL PLAIN.
  [[nodiscard]] options tls() const {
    auto o = plain();
    o.url = "amqps://localhost:" + std::to_string(tls_port());
    o.tls_ca_file = file("CA_FILE");
    return o;
  }

  /// SIGKILL (data kept), graceful stop (data kept), start again on the same ports.
  void kill() { check(run("kill"), "kill"); }
  void halt() { check(run("halt"), "halt"); }
  void restart() { check(run("restart"), "restart"); }

  [[nodiscard]] static std::shared_ptr<const core::secret_string> secret(const std::string& file) {
    std::ifstream in(file);
    std::string v;
    std::getline(in, v);
    return std::make_shared<const core::secret_string>(std::move(v));
  }

 private:
  test_broker() {
    if (const char* d = std::getenv("PARLEY_TEST_BROKER"); d && *d) {
      dir_ = d;
    } else {
      dir_ = (std::filesystem::temp_directory_path() / ("parley-broker-" + std::to_string(::getpid()))).string();
      owned_ = true;
      check(run("start"), "start");
    }
    std::ifstream in(dir_ + "/broker.env");
    if (!in) throw std::runtime_error("no test broker at " + dir_ + " (run " PARLEY_TEST_BROKER_SCRIPT " start DIR)");
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  [[nodiscard]] int run(const std::string& cmd) const {
    // Appended piece by piece: GCC 12 at -O2 (the bench) warns falsely (-Warray-bounds) on the chain of +.
    std::string line = PARLEY_TEST_BROKER_SCRIPT;
    line.append(" ").append(cmd).append(" '").append(dir_).append("' >/dev/null");
    return std::system(line.c_str());
  }
  static void check(int rc, const std::string& what) {
    if (rc != 0) throw std::runtime_error("test broker: " + what + " failed (" + std::to_string(rc) + ")");
  }

  std::string dir_;
  bool owned_ = false;
  std::map<std::string, std::string> env_;
};

}  // namespace parley::bus::amqp::testing
