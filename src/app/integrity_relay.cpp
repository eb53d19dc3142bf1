#include "integrity_relay.hpp"

#include <parley/core/async.hpp>
#include <parley/core/log.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace parley::app {
namespace {

namespace asio = boost::asio;

constexpr std::string_view metric = "parley_store_integrity_failures_total";
constexpr std::string_view help =
    "Stored records (or their keys) that failed their integrity check when read, once per record and process";
constexpr std::string_view event = "store.integrity_failure";

}  // namespace

integrity_relay& integrity_relay::process() {
  static integrity_relay relay;
  return relay;
}

audit::entry integrity_relay::to_entry(const store::integrity_failure& f) {
  boost::json::object details;
  details["record"] = std::string(f.record);
  if (f.seq != 0) details["seq"] = f.seq;
  if (f.key) details["key"] = true;
  audit::entry e;
  e.tenant_id = f.tenant_id;
  e.event = std::string(event);
  e.actor = "system";
  e.actor_role = "system";
  e.subject = f.conversation_id;
  e.details = boost::json::serialize(details);
  return e;
}

void integrity_relay::report(const store::integrity_failure& f) {
  auto entry = to_entry(f);
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    ++reported_;
    const std::string record(f.key ? std::string_view("key") : f.record);
    if (metrics_ == nullptr) {
      ++pending_[record];
    } else {
      metrics_->counter_for(metric, help, {{"record", record}}).inc();
    }
    if (to_audit_.size() >= max_pending_audit) {
      dropped = ++audit_dropped_;
    } else {
      to_audit_.push_back(std::move(entry));
      start_drain_locked();
    }
  }
  if (dropped != 0 && (dropped & (dropped - 1)) == 0) {  // the 1st, 2nd, 4th... drop
    core::logger("app")->warn("{} integrity failures not audited: {} entries already wait for the audit log", dropped,
                              max_pending_audit);
  }
}

void integrity_relay::start_drain_locked() {
  if (sink_ == nullptr || io_ == nullptr || draining_ || to_audit_.empty()) return;
  draining_ = true;
  // Not detached: the completion handler logs an escaped exception and ends the drain.
  asio::co_spawn(*io_, drain(), [this](std::exception_ptr p) {
    if (!p) return;  // drain() ended itself under the lock
    core::log_exceptions{core::logger("app"), "integrity audit"}(p);
    std::lock_guard lock(mutex_);
    draining_ = false;
  });
}

asio::awaitable<bool> integrity_relay::append_next(bool drainer) {
  audit::entry e;
  audit::sink* sink = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (sink_ == nullptr || to_audit_.empty()) {
      // Under the lock that report() takes: an entry queued after this starts a new drain.
      if (drainer) draining_ = false;
      co_return false;
    }
    e = std::move(to_audit_.front());
    to_audit_.pop_front();
    sink = sink_;
  }
  const std::string tenant = e.tenant_id;
  auto r = co_await sink->append(std::move(e));
  if (!r) {
    core::logger("app")->error("audit entry {} of tenant {} not appended: {}", event, tenant, r.error().message());
    co_return true;
  }
  std::lock_guard lock(mutex_);
  ++audited_;
  co_return true;
}

asio::awaitable<void> integrity_relay::drain() {
  // Not `while (co_await ...)`: GCC 12 miscompiles a co_await in a loop condition.
  for (;;) {
    const bool more = co_await append_next(true);
    if (!more) co_return;
  }
}

asio::awaitable<void> integrity_relay::flush() {
  // Not `while (co_await ...)`: GCC 12 miscompiles a co_await in a loop condition.
  for (;;) {
    const bool more = co_await append_next(false);
    if (!more) co_return;
  }
}

void integrity_relay::attach(net::metrics_registry& metrics) {
  std::lock_guard lock(mutex_);
  metrics_ = &metrics;
  // The family exists from the start (0 is an answer too).
  (void)metrics.counter_for(metric, help, {{"record", "activity"}});
  for (const auto& [record, n] : pending_) metrics.counter_for(metric, help, {{"record", record}}).inc(n);
  pending_.clear();
}

void integrity_relay::detach() {
  std::lock_guard lock(mutex_);
  metrics_ = nullptr;
}

void integrity_relay::attach_audit(audit::sink& sink, asio::io_context& io) {
  std::lock_guard lock(mutex_);
  sink_ = &sink;
  io_ = &io;
  start_drain_locked();
}

void integrity_relay::detach_audit() {
  std::lock_guard lock(mutex_);
  sink_ = nullptr;
  io_ = nullptr;
}

std::uint64_t integrity_relay::reported() const {
  std::lock_guard lock(mutex_);
  return reported_;
}

std::uint64_t integrity_relay::audited() const {
  std::lock_guard lock(mutex_);
  return audited_;
}

std::uint64_t integrity_relay::audit_dropped() const {
  std::lock_guard lock(mutex_);
  return audit_dropped_;
}

}  // namespace parley::app
