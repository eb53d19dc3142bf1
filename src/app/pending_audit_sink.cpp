#include "pending_audit_sink.hpp"

#include <parley/core/log.hpp>

namespace parley::app {

boost::asio::awaitable<result<std::uint64_t>> pending_audit_sink::append(audit::entry e) {
  if (e.tenant_id.empty() || e.event.empty() || e.actor.empty())
    co_return make_error_code(audit::errc::invalid_argument);
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    seq = ++next_[e.tenant_id];
  }
  static const auto log = core::logger("audit");
  log->info("audit (pending log): tenant {} #{} {} by {}", e.tenant_id, seq, e.event, e.actor);
  co_return seq;
}

}  // namespace parley::app
