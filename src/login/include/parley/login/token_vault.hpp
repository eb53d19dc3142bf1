// The token vault: the bank access token of each logged-in conversation, sealed
// (crypto::sealed_secret, AEAD under a process-local key in protected memory), in this process's
// memory only (SECURITY.md promise 8; docs/adr/0008-token-vault.md).
//
// One entry per conversation_key. An entry dies with the bank token (`expires_in` from the
// bank), after `idle_timeout` without use, on erase() (logout, a 401 from the bank, conversation
// end) and on clear() (shutdown); dying means its sealed bytes are wiped. Expired and idle entries
// are refused at once by every accessor and wiped by the next sweep() (the login service runs one
// periodically) or access. The token is opened only inside with_token()'s callback; nothing here
// logs, stores or returns it.
//
// Time comes from the injected clock (steady time), so expiry is tested without sleeping.
// Thread-safety: every member may be called concurrently from any thread. A callback given to
// with_token() runs under no lock of the vault (the entry is kept alive meanwhile).
#pragma once

#include <parley/core/clock.hpp>
#include <parley/core/error.hpp>
#include <parley/crypto/sealed_secret.hpp>
#include <parley/login/error.hpp>
#include <parley/login/method.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace parley::login {

class token_vault {
 public:
  /// `clock` must outlive the vault.
  token_vault(const core::clock& clock, std::chrono::milliseconds idle_timeout);
  ~token_vault();
  token_vault(const token_vault&) = delete;
  token_vault& operator=(const token_vault&) = delete;

  /// Keeps `token` for `key` until `expires_in` from now (replacing and wiping an older entry).
  void put(const conversation_key& key, crypto::sealed_secret token, std::chrono::seconds expires_in);

  /// True when `key` has a live (unexpired, not idle) token. Does not count as a use.
  [[nodiscard]] bool contains(const conversation_key& key) const;

  /// Calls `f(const crypto::sealed_secret&)` with the live token of `key` (a use: resets the idle
  /// timer) and returns what it returns. errc::not_logged_in when there is none.
  template <class F>
  auto with_token(const conversation_key& key, F&& f) -> result<std::invoke_result_t<F&, const crypto::sealed_secret&>> {
    using R = std::invoke_result_t<F&, const crypto::sealed_secret&>;
    auto entry = use(key);
    if (!entry) return result<R>(boost::system::in_place_error, make_error_code(errc::not_logged_in));
    if constexpr (std::is_void_v<R>) {
      std::invoke(f, entry->token);
      return {};
    } else {
      return std::invoke(f, entry->token);
    }
  }

  /// The live token of `key` as a shared handle (a use), for a caller that must keep it across an
  /// asynchronous call; erase() still wipes it once the last handle is gone. nullptr when none.
  struct entry {
    crypto::sealed_secret token;
    std::chrono::steady_clock::time_point expires;
  };
  [[nodiscard]] std::shared_ptr<const entry> use(const conversation_key& key);

  /// Removes the entry and hands it over (for /logout; wiped when the last handle goes), or
  /// nullptr if none was live.
  [[nodiscard]] std::shared_ptr<const entry> take(const conversation_key& key);
  /// Removes and wipes the entry; true if there was one (live or not).
  bool erase(const conversation_key& key);
  /// Wipes expired and idle entries; returns how many.
  std::size_t sweep();
  /// Wipes every entry (shutdown).
  void clear();
  /// Entries held, live or awaiting the sweep.
  [[nodiscard]] std::size_t size() const;

 private:
  struct slot {
    std::shared_ptr<entry> value;
    std::chrono::steady_clock::time_point last_used;
  };
  [[nodiscard]] bool live(const slot& s, std::chrono::steady_clock::time_point now) const noexcept;

  const core::clock& clock_;
  std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::map<conversation_key, slot> entries_;
};

}  // namespace parley::login
