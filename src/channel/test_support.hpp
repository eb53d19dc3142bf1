// Helpers for the channel's unit tests: a signing key store in a temp dir with a test key
// wrapper, a fake clock, and options with one bot.
#pragma once

#include <parley/channel/options.hpp>
#include <parley/channel/secret_hash.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/core/testing/fake_clock.hpp>
#include <parley/jose/testing/test_key_wrapper.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace parley::channel::testing {

inline constexpr std::string_view test_secret = "the-bankx-channel-secret-0123456789";
inline constexpr std::string_view test_password = "the-bankx-app-password-0123456789";

/// Hashes are slow: compute each once per test binary.
inline const std::string& test_secret_hash() {
  static const std::string h = *hash_secret(test_secret, core::os_random());
  return h;
}
inline const std::string& test_password_hash() {
  static const std::string h = *hash_secret(test_password, core::os_random());
  return h;
}

inline options test_options(std::string public_url = "http://127.0.0.1:8401") {
  options o;
  o.public_url = std::move(public_url);
  bot_options b;
  b.id = "bankx-assistant";
  b.tenant = "bankx";
  b.name = "BankX Assistant";
  b.app_id = "app-bankx";
  b.secret_hashes = {test_secret_hash()};
  b.app_password_hash = test_password_hash();
  b.endpoint = "http://127.0.0.1:3978/api/messages";
  b.origins = {"https://www.bankx.example"};
  o.bots.push_back(b);
  bot_options other = b;
  other.id = "other-bot";
  other.tenant = "otherbank";
  other.app_id = "app-other";
  other.origins = {"https://www.other.example"};
  o.bots.push_back(other);
  // Bearer tokens are allowed in these tests unless one says otherwise (the default is bound only).
  for (const auto* tenant : {"bankx", "otherbank"}) {
    tenant_options t;
    t.id = tenant;
    t.require_bound_tokens = false;
    o.tenants.push_back(t);
  }
  (void)resolve_urls(o);
  return o;
}

/// A signing key store in a fresh temp dir, removed at the end.
class key_fixture {
 public:
  key_fixture() {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-channel-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir_);
    jose::key_store_options ko;
    ko.file = dir_ / "keys.json";
    auto s = jose::signing_key_store::open(ko, token_service::key_purposes(), wrapper_, clock_);
    EXPECT_TRUE(s) << s.error().message();
    keys_ = std::move(*s);
  }
  ~key_fixture() { std::filesystem::remove_all(dir_); }
  key_fixture(const key_fixture&) = delete;
  key_fixture& operator=(const key_fixture&) = delete;

  jose::signing_key_store& keys() { return *keys_; }
  core::testing::fake_clock& clock() { return clock_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path dir_;
  core::testing::fake_clock clock_;
  jose::testing::test_key_wrapper wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
};

}  // namespace parley::channel::testing
