// A stand-in for the audit log until the real one (src/audit's log, branch `audit`) is wired
// here: it writes each entry's event, tenant and actor id to the "audit" logger (nothing else: no
// subject, source or details) and numbers the entries per tenant in memory. It keeps nothing, so
// it is NOT the tamper-evident log of SECURITY.md promise 10; the lead replaces it at merge.
// Thread-safety: append() from any thread.
#pragma once

#include <parley/audit/sink.hpp>

#include <map>
#include <mutex>
#include <string>

namespace parley::app {

class pending_audit_sink final : public audit::sink {
 public:
  boost::asio::awaitable<result<std::uint64_t>> append(audit::entry e) override;

 private:
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> next_;
};

}  // namespace parley::app
