// Test support for store_commands_test.sh (never installed): writes known conversations through
// the real store and reports which ones are still readable, so that the `parley store` and
// `parley keys` commands can be tested from outside.
//   parley_store_fixture (--config FILE | --data-dir DIR) populate
//   parley_store_fixture (--config FILE | --data-dir DIR) check TENANT/CONV...
// populate: bankx/c1 and bankx/c2 (user dl_u1), bankx/c3 (dl_u2) and insurey/d1 (dl_u3), the last
// two idle for 60 days. check prints "TENANT/CONV present <first body>" or "TENANT/CONV <error>".
#include "store_cli.hpp"

#include <parley/store/sqlite/sqlite_backend.hpp>

namespace {

using namespace parley;

class shifted_clock final : public core::clock {
 public:
  explicit shifted_clock(std::chrono::hours back) : back_(back) {}
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now() - back_; }
  std::chrono::steady_clock::time_point steady_now() const override { return std::chrono::steady_clock::now(); }

 private:
  std::chrono::hours back_;
};

std::unique_ptr<store::encrypted_store> open_at(const app::settings& s, const core::clock& clock) {
  auto backend = store::sqlite::open(s.store_sqlite);
  auto root = crypto::load_root_key(s.crypto, core::process_environment());
  if (!backend || !root) return nullptr;
  store::store_dependencies deps;
  deps.clock = &clock;
  auto st = store::encrypted_store::open(std::move(*backend), std::move(*root), s.crypto.erasure_secrets_file,
                                         s.store, deps);
  return st ? std::move(*st) : nullptr;
}

bool add(store::encrypted_store& st, const core::clock& clock, const std::string& tenant, const std::string& conv,
         const std::string& user) {
  if (!app::run_sync(st.ensure_tenant(tenant))) return false;
  if (!app::run_sync(st.create_conversation(tenant, conv, "bot", user))) return false;
  store::new_activity a{"a1", clock.now(), "message", "user", "hello from " + conv, std::nullopt};
  return app::run_sync(st.append_activity(tenant, conv, std::move(a))).has_value();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"store test fixture"};
  app::store_target target;
  app::add_store_target(&cli, target);
  std::string action;
  std::vector<std::string> items;
  cli.add_option("action", action)->required();
  cli.add_option("items", items);
  CLI11_PARSE(cli, argc, argv);
  auto s = app::target_settings(target);
  if (!s) return 2;
  if (action == "populate") {
    shifted_clock now(std::chrono::hours(0));
    shifted_clock old(std::chrono::hours(24 * 60));
    {
      auto st = open_at(*s, now);
      if (!st || !add(*st, now, "bankx", "c1", "dl_u1") || !add(*st, now, "bankx", "c2", "dl_u1")) return 1;
    }
    auto st = open_at(*s, old);
    if (!st || !add(*st, old, "bankx", "c3", "dl_u2") || !add(*st, old, "insurey", "d1", "dl_u3")) return 1;
    return 0;
  }
  if (action == "check") {
    shifted_clock now(std::chrono::hours(0));
    auto st = open_at(*s, now);
    if (!st) return 1;
    for (const auto& item : items) {
      const auto slash = item.find('/');
      auto page = app::run_sync(st->read_activities(item.substr(0, slash), item.substr(slash + 1), 0, 10));
      if (page && !page->activities.empty()) {
        std::printf("%s present %s\n", item.c_str(), page->activities[0].body.c_str());
      } else {
        std::printf("%s %s\n", item.c_str(), page ? "empty" : page.error().message().c_str());
      }
    }
    return 0;
  }
  return 2;
}
