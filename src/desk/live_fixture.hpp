// Test fixture of the live desk's routes (live_test.cpp, live_transfer_test.cpp): the desk over
// real sockets with the queue in a real encrypted SQLite store and a recording fake of the
// channel's side (conversation_link). Test code, one test at a time.
#pragma once

#include "routes_fixture.hpp"

#include <parley/crypto/root_key.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>

#include <mutex>

namespace parley::desk::test {

using testing::run;

struct recording_link final : conversation_link {
  struct call {
    std::string what, tenant, conversation, name, text;
    bool flag = false;
  };
  boost::asio::awaitable<link_result> accept(std::string t, std::string c, std::string name) override {
    auto r = note({"accept", t, c, name, "", false});
    if (r.status == link_status::ok) r.status = accept_with;
    co_return r;
  }
  boost::asio::awaitable<link_result> transfer(std::string t, std::string c, std::string name) override {
    co_return note({"transfer", t, c, name, "", false});
  }
  boost::asio::awaitable<link_result> send(std::string t, std::string c, std::string name, bool typing,
                                           std::string text) override {
    auto r = note({"send", t, c, name, text, typing});
    r.activity_id = "act-" + std::to_string(calls_count());
    co_return r;
  }
  boost::asio::awaitable<link_result> update(std::string t, std::string c, std::uint32_t position,
                                             std::chrono::seconds wait) override {
    co_return note({"update", t, c, std::to_string(position), std::to_string(wait.count()), false});
  }
  boost::asio::awaitable<link_result> end(std::string t, std::string c, bool completed, std::string message,
                                          std::string intent) override {
    co_return note({"end", t, c, intent, message, completed});
  }
  link_result note(call c) {
    std::lock_guard lock(mutex);
    calls.push_back(std::move(c));
    return {answer_with, {}};
  }
  std::size_t calls_count() {
    std::lock_guard lock(mutex);
    return calls.size();
  }
  std::vector<call> of(const std::string& what) {
    std::lock_guard lock(mutex);
    std::vector<call> out;
    for (const auto& c : calls) {
      if (c.what == what) out.push_back(c);
    }
    return out;
  }
  std::mutex mutex;
  std::vector<call> calls;
  link_status answer_with = link_status::ok;
  link_status accept_with = link_status::ok;  ///< accept() only (wrong_state: it was with a consultant)
};

class live_desk : public test::desk_routes {
 protected:
  void SetUp() override {
    store_dir_ = std::filesystem::temp_directory_path() / ("parley-desk-live-" + std::to_string(::getpid()));
    std::filesystem::remove_all(store_dir_);
    std::filesystem::create_directories(store_dir_);
    ASSERT_TRUE(crypto::root_key::create_file(store_dir_ / "root.key"));
    auto root = crypto::root_key::load_file(store_dir_ / "root.key", 1);
    store::sqlite::options so;
    so.path = (store_dir_ / "parley.db").string();
    so.keys_path = (store_dir_ / "parley-keys.db").string();
    auto backend = store::sqlite::open(so);
    ASSERT_TRUE(root && backend);
    store::options opts;
    opts.migrate_on_open = true;
    store::store_dependencies deps;
    deps.clock = &clock;  // the desk's no-answer cutoff and the queue's times on one clock
    auto opened =
        store::encrypted_store::open(std::move(*backend), std::move(*root), store_dir_ / "erasure.secrets", opts, deps);
    ASSERT_TRUE(opened) << opened.error().message();
    store_ = std::move(*opened);
    queue_ = store_.get();
    link_ = &link;
    idps.bankx.add_account({"bo", "Bo Ek", {"Desk.Consultant"}, {}, {}, false});
    desk_routes::SetUp();
  }
  void TearDown() override {
    desk_routes::TearDown();
    store_.reset();
    std::filesystem::remove_all(store_dir_);
  }
  store::conversation_store& conversation_store() override { return *store_; }
  // The tests run the loop's pass themselves (check_queues()), except where the loop is the subject.
  void adjust(options& o) override { o.queue_check_interval = std::chrono::seconds{600}; }

  void request_handoff(const std::string& tenant, const std::string& conversation) {
    handoff_notice n{tenant, conversation, "h-" + conversation, "Card blocked abroad", "card_blocked", "", 3};
    run(desk_->handoff_requested(std::move(n)));
  }
  std::uint64_t version_of(const std::string& conversation) {
    auto h = run(store_->open_handoff("bankx", conversation));
    return h && *h ? (*h)->version : 0;
  }
  std::vector<std::string> audit_events() {
    std::vector<std::string> out;
    for (const auto& e : audit.entries()) out.push_back(e.event);
    return out;
  }
  void new_activity_for_bot_conversation() {
    store::new_activity a{"a1",        clock.now(), "message", "user", R"({"type":"message","text":"I lost my card"})",
                          std::nullopt};
    ASSERT_TRUE(run(store_->append_activity("bankx", "conv-bankx-1", std::move(a))));
  }
  /// The cookie header value of a jar (for the WebSocket client).
  static std::string cookie_of(const jar& b) { return b.header().substr(8, b.header().size() - 10); }

  recording_link link;
  std::unique_ptr<store::encrypted_store> store_;
  std::filesystem::path store_dir_;
};

}  // namespace parley::desk::test
