// The behaviour every bus backend must show (bus.hpp), as a parameterised GoogleTest suite: a
// backend's tests instantiate BusSuite with a factory of its bus_env, e.g.
//   INSTANTIATE_TEST_SUITE_P(InProcess, BusSuite, ::testing::Values(bus_env_factory{...}));
// Nodes made by one environment share one broker. Tests wait for conditions with a deadline
// (patience()), never for a fixed time.
#pragma once

#include <parley/bus/bus.hpp>
#include <parley/bus/options.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::bus::testing {

class bus_env {
 public:
  virtual ~bus_env() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  /// A node on the environment's broker (`o.node_id` is replaced by `node_id`).
  [[nodiscard]] virtual std::unique_ptr<bus> make(std::string node_id, options o) = 0;
  /// A topic no other test uses (fan-out subscriptions).
  [[nodiscard]] virtual std::string fan_out_topic(std::string_view label) = 0;
  /// A topic and a competing subscription of it that no other test uses (on brokers whose
  /// competing subscriptions are declared out of band, one prepared for `label`).
  struct competing_names {
    std::string topic;
    std::string subscription;
  };
  [[nodiscard]] virtual competing_names competing(std::string_view label) = 0;
  /// How long a subscription may take to attach and a message to arrive.
  [[nodiscard]] virtual std::chrono::milliseconds patience() const { return std::chrono::seconds(10); }
};

using bus_env_factory = std::function<std::unique_ptr<bus_env>()>;

class BusSuite : public ::testing::TestWithParam<bus_env_factory> {
 protected:
  void SetUp() override { env_ = GetParam()(); }
  void TearDown() override { env_.reset(); }
  bus_env& env() { return *env_; }

 private:
  std::unique_ptr<bus_env> env_;
};

/// Waits until `done()` is true or `limit` passes; returns done().
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit);

}  // namespace parley::bus::testing
