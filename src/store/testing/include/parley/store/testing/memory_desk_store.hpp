// An in-memory desk_store for the desk's unit tests: the same semantics as the real store
// (single-use sign-ins, refresh claims, settings versions, purge), no encryption, no persistence,
// every tenant accepted. Never linked into the `parley` binary.
// Thread-safety: all members may be called concurrently (one mutex).
#pragma once

#include <parley/store/desk_store.hpp>

#include <map>
#include <mutex>
#include <utility>

namespace parley::store::testing {

class memory_desk_store final : public desk_store {
 public:
  boost::asio::awaitable<result<void>> create_desk_session(desk_session s) override;
  boost::asio::awaitable<result<desk_session>> get_desk_session(std::string tenant_id, std::string ref) override;
  boost::asio::awaitable<result<void>> touch_desk_session(std::string tenant_id, std::string ref,
                                                          time_point last_seen) override;
  boost::asio::awaitable<result<bool>> claim_desk_session_refresh(std::string tenant_id, std::string ref,
                                                                  time_point expected, time_point next) override;
  boost::asio::awaitable<result<void>> update_desk_session(std::string tenant_id, std::string ref,
                                                           std::string data) override;
  boost::asio::awaitable<result<bool>> delete_desk_session(std::string tenant_id, std::string ref) override;
  boost::asio::awaitable<result<std::vector<desk_session_key>>> delete_desk_sessions(std::string tenant_id,
                                                                                     std::string subject_ref,
                                                                                     std::string sid_ref) override;
  boost::asio::awaitable<result<std::vector<desk_session_key>>> purge_desk_sessions(std::string tenant_id,
                                                                                    time_point now,
                                                                                    time_point idle_cutoff) override;
  boost::asio::awaitable<result<void>> put_desk_login(desk_login login) override;
  boost::asio::awaitable<result<desk_login>> take_desk_login(std::string tenant_id, std::string ref) override;
  boost::asio::awaitable<result<std::optional<desk_settings>>> get_desk_settings(std::string tenant_id) override;
  boost::asio::awaitable<result<std::uint64_t>> put_desk_settings(
      std::string tenant_id, std::string data, std::optional<std::uint64_t> expected_version) override;

  /// Makes every later call fail with errc::unavailable (or work again).
  void fail(bool on);
  [[nodiscard]] std::size_t session_count() const;
  [[nodiscard]] std::size_t login_count() const;

 private:
  using key = std::pair<std::string, std::string>;
  mutable std::mutex mutex_;
  bool fail_ = false;
  std::map<key, desk_session> sessions_;
  std::map<key, desk_login> logins_;
  std::map<std::string, desk_settings> settings_;
};

}  // namespace parley::store::testing
