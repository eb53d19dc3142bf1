// Private to the audit unit tests: a log over the in-memory audit store, a real signing key store
// (test key wrapper, temporary file) and a fake clock.
#pragma once

#include <parley/audit/checkpoint.hpp>
#include <parley/audit/log.hpp>
#include <parley/audit/verify.hpp>
#include <parley/core/random.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/core/testing/run.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>
#include <parley/store/testing/memory_audit_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace parley::audit::testing {

using parley::core::testing::run;

inline entry sample(std::string tenant = "bankx", std::string event = "desk.view", int n = 0) {
  return entry{std::move(tenant),
               std::move(event),
               "c_" + std::to_string(n),
               "consultant",
               "conv-" + std::to_string(n),
               "203.0.113.7",
               R"({"n":)" + std::to_string(n) + "}"};
}

class log_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-audit-" + std::to_string(::getpid()) + "-" + core::random_id(core::os_random(), "", 6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    log_.reset();
    keys_.reset();
    std::filesystem::remove_all(dir_);
  }

  /// (Re)creates the key store and the log with these options.
  void open(options o = {}) {
    log_.reset();
    keys_.reset();
    auto keys = jose::signing_key_store::open(checkpoint_key_options(dir_ / "audit-keys.json"),
                                              {checkpoint_key_purpose()}, wrapper_, clock_);
    ASSERT_TRUE(keys) << keys.error().message();
    keys_ = std::move(*keys);
    log_ = std::make_unique<audit::log>(store_, *keys_, std::move(o), clock_);
  }

  std::uint64_t append(entry e) {
    auto r = run(log_->append(std::move(e)));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : 0;
  }
  void append_many(int n, const std::string& tenant = "bankx") {
    for (int i = 0; i < n; ++i) append(sample(tenant, "desk.view", i));
  }

  [[nodiscard]] jose::jwks public_keys() const {
    auto k = keys_->public_keys(checkpoint_purpose);
    return k ? **k : jose::jwks{};
  }
  verify_report verify(const std::string& tenant = "bankx", std::vector<anchor> expected = {}) {
    auto r = run(audit::verify(store_, public_keys(), tenant, std::move(expected), clock_));
    EXPECT_TRUE(r) << r.error().message();
    return r ? std::move(*r) : verify_report{};
  }
  /// The error of verify(), or none.
  error_code verify_error(const std::string& tenant = "bankx") {
    auto r = run(audit::verify(store_, public_keys(), tenant, {}, clock_));
    return r ? error_code{} : r.error();
  }
  /// Every finding's message, one per line (for assertion messages).
  static std::string messages(const verify_report& r) {
    std::string out;
    for (const auto& f : r.findings) out += f.message + "\n";
    return out;
  }

  std::filesystem::path dir_;
  core::testing::fake_clock clock_;
  store::testing::memory_audit_store store_{clock_};
  jose::testing::test_key_wrapper wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
  std::unique_ptr<audit::log> log_;
};

}  // namespace parley::audit::testing
