// An in-memory conversation_store for the unit tests of other components (channel, bot, desk).
// Same semantics as the real store (tenancy, gap-free sequences, etags, idempotency, erase), no
// encryption and no persistence. Never linked into the `parley` binary.
// Thread-safety: all members may be called concurrently (one mutex).
#pragma once

#include <parley/store/conversation_store.hpp>

#include <map>
#include <memory>
#include <mutex>

namespace parley::store::testing {

class memory_store final : public conversation_store {
 public:
  memory_store();
  ~memory_store() override;

  boost::asio::awaitable<result<void>> ensure_tenant(std::string tenant_id) override;
  boost::asio::awaitable<result<conversation>> create_conversation(std::string tenant_id, std::string id,
                                                                   std::string bot_id, std::string user_id) override;
  boost::asio::awaitable<result<conversation>> get_conversation(std::string tenant_id, std::string id) override;
  boost::asio::awaitable<result<conversation_page>> list_conversations(std::string tenant_id,
                                                                       conversation_filter filter) override;
  boost::asio::awaitable<result<void>> set_conversation_state(std::string tenant_id, std::string id,
                                                              conversation_state state) override;
  boost::asio::awaitable<result<append_result>> append_activity(std::string tenant_id, std::string conversation_id,
                                                                new_activity activity) override;
  boost::asio::awaitable<result<activity_page>> read_activities(std::string tenant_id, std::string conversation_id,
                                                                std::uint64_t after, std::size_t limit) override;
  boost::asio::awaitable<result<activity_record>> get_activity(std::string tenant_id, std::string conversation_id,
                                                               std::string activity_id) override;
  boost::asio::awaitable<result<std::optional<bot_state>>> get_bot_state(std::string tenant_id,
                                                                         std::string conversation_id) override;
  boost::asio::awaitable<result<std::string>> put_bot_state(std::string tenant_id, std::string conversation_id,
                                                            std::string data,
                                                            std::optional<std::string> expected_etag) override;
  boost::asio::awaitable<result<std::string>> put_attachment(std::string tenant_id, std::string conversation_id,
                                                             attachment file) override;
  boost::asio::awaitable<result<attachment>> get_attachment(std::string tenant_id, std::string conversation_id,
                                                            std::string attachment_id) override;
  boost::asio::awaitable<result<void>> erase_conversation(std::string tenant_id, std::string conversation_id) override;
  boost::asio::awaitable<result<std::size_t>> erase_user(std::string tenant_id, std::string user_id) override;
  boost::asio::awaitable<result<std::size_t>> purge(std::string tenant_id, time_point older_than) override;

  /// Test hook: record `seq` of the conversation reads from now on as the real store reports a
  /// record that fails its integrity check (flagged corrupt; body, type, role and time unknown).
  /// False if there is no such record.
  bool corrupt(const std::string& tenant_id, const std::string& conversation_id, std::uint64_t seq);

 private:
  struct state;
  std::unique_ptr<state> s_;
};

}  // namespace parley::store::testing
