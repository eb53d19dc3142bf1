// Builds the service desk for `parley serve` and `parley demo` (the composition root's job): the
// outbound client to the tenants' identity providers ([desk] ca_file, the [net] client's
// timeouts), and desk::service over the shared encrypted store (conversations and desk sessions),
// appending to the audit log (audit_wiring.hpp) it is given.
#pragma once

#include <parley/audit/sink.hpp>
#include <parley/desk/options.hpp>
#include <parley/desk/service.hpp>
#include <parley/net/client.hpp>
#include <parley/store/conversation_store.hpp>
#include <parley/store/desk_queue_store.hpp>
#include <parley/store/desk_store.hpp>

#include <boost/asio/io_context.hpp>

#include <memory>

namespace parley::app {

struct desk_plan {
  desk::options desk;
  net::client_options client;  ///< to the IdPs; ca_file comes from [desk]
  std::shared_ptr<store::conversation_store> store;
  std::shared_ptr<store::desk_store> sessions;     ///< the same encrypted store
  std::shared_ptr<store::desk_queue_store> queue;  ///< the same encrypted store (the live desk's queue)
};

/// Everything the desk uses, alive for the whole run (declare it before the server).
class desk_runtime {
 public:
  /// `audit` (the audit log) must outlive the runtime. On failure prints one clear line to
  /// stderr and returns nullptr.
  /// `link` (may be null: no channel here) is the channel's side of the live desk; `relay`
  /// (may be null) carries its events to the other nodes' desks.
  [[nodiscard]] static std::unique_ptr<desk_runtime> create(boost::asio::io_context& io, desk_plan plan,
                                                            audit::sink& audit, desk::conversation_link* link = nullptr,
                                                            desk::event_relay* relay = nullptr);
  ~desk_runtime();

  [[nodiscard]] desk::service& service() { return *service_; }
  [[nodiscard]] std::shared_ptr<desk::service> shared_service() { return service_; }

 private:
  desk_runtime() = default;
  std::shared_ptr<store::conversation_store> store_;
  std::shared_ptr<store::desk_store> sessions_;
  std::shared_ptr<store::desk_queue_store> queue_;
  std::unique_ptr<net::pooled_http_client> http_;
  std::shared_ptr<desk::service> service_;
};

}  // namespace parley::app
