#include "audit_wiring.hpp"

#include "root_key_wrapper.hpp"

#include <parley/audit/checkpoint.hpp>
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdio>

namespace parley::app {

namespace asio = boost::asio;

struct audit_runtime::ticker {
  explicit ticker(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::atomic<bool> stopping{false};
};

audit_plan make_audit_plan(const settings& s, std::shared_ptr<store::audit_store> store) {
  return audit_plan{s.audit, s.crypto, std::move(store)};
}

std::unique_ptr<audit_runtime> audit_runtime::create(audit_plan plan, bool signing) {
  std::unique_ptr<audit_runtime> rt(new audit_runtime());
  auto root = crypto::load_root_key(plan.crypto, core::process_environment());
  if (!root) {
    std::fprintf(stderr, "parley: audit: cannot load the root key: %s\n", root.error().message().c_str());
    return nullptr;
  }
  rt->wrapper_ = std::make_unique<root_key_wrapper>(std::make_shared<const crypto::root_key>(std::move(*root)));
  std::vector<jose::key_purpose> purposes;
  if (signing) purposes.push_back(audit::checkpoint_key_purpose());
  auto keys = jose::signing_key_store::open(audit::checkpoint_key_options(plan.audit.key_file), std::move(purposes),
                                            *rt->wrapper_, core::system_clock());
  if (!keys) {
    std::fprintf(stderr, "parley: audit: checkpoint key file %s: %s\n", plan.audit.key_file.c_str(),
                 keys.error().message().c_str());
    return nullptr;
  }
  rt->keys_ = std::move(*keys);
  rt->plan_ = std::move(plan);
  rt->log_ = std::make_unique<audit::log>(*rt->plan_.store, *rt->keys_, rt->plan_.audit);
  return rt;
}

audit_runtime::~audit_runtime() = default;

jose::jwks audit_runtime::checkpoint_keys() const {
  auto k = keys_->public_keys(audit::checkpoint_purpose);
  return k ? **k : jose::jwks{};
}

void audit_runtime::start_timer(asio::io_context& io) {
  const auto interval = plan_.audit.checkpoint_interval;
  if (interval.count() == 0 || ticker_) return;
  ticker_ = std::make_shared<ticker>(io);
  const auto period = std::max<std::chrono::milliseconds>(interval / 2, std::chrono::seconds{1});
  auto loop = [t = ticker_, &log = *log_, period]() -> asio::awaitable<void> {
    while (!t->stopping) {
      t->timer.expires_after(period);
      (void)co_await t->timer.async_wait(core::use_tuple);  // cancelled by stop()
      if (t->stopping) break;
      // Failures are logged by the log itself; the next tick tries again.
      (void)co_await log.checkpoint_due(false);
    }
  };
  asio::co_spawn(io, std::move(loop), core::log_exceptions{core::logger("audit"), "audit checkpoint timer"});
}

asio::awaitable<void> audit_runtime::stop() {
  if (ticker_) {
    ticker_->stopping = true;
    ticker_->timer.cancel();
  }
  auto r = co_await log_->checkpoint_due(true);
  if (!r) core::logger("audit")->error("audit: final checkpoints failed: {}", r.error().message());
}

}  // namespace parley::app
