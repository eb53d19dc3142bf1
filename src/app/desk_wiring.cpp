#include "desk_wiring.hpp"

#include <parley/core/random.hpp>

#include <cstdio>

namespace parley::app {

desk_runtime::~desk_runtime() {
  if (service_) service_->stop();
}

std::unique_ptr<desk_runtime> desk_runtime::create(boost::asio::io_context& io, desk_plan plan, audit::sink& audit,
                                                   desk::conversation_link* link, desk::event_relay* relay) {
  if (!plan.store || !plan.sessions) {
    std::fprintf(stderr, "parley: desk: no store for conversations and sessions ([store])\n");
    return nullptr;
  }
  if (plan.desk.tenants.empty()) {
    std::fprintf(stderr, "parley: desk: a \"desk\" listener needs at least one [[desk.tenants]] entry\n");
    return nullptr;
  }
  std::unique_ptr<desk_runtime> rt(new desk_runtime());
  rt->store_ = plan.store;
  rt->sessions_ = plan.sessions;
  auto client = std::move(plan.client);
  if (!plan.desk.ca_file.empty()) client.ca_file = plan.desk.ca_file;
  client.max_response_bytes = 512 * 1024;
  client.user_agent = "parley-desk";
  auto http = net::pooled_http_client::create(io, std::move(client));
  if (!http) {
    std::fprintf(stderr, "parley: desk: cannot create the client to the identity providers: %s\n",
                 http.error().message().c_str());
    return nullptr;
  }
  rt->http_ = std::move(*http);
  rt->queue_ = plan.queue;
  desk::dependencies deps{io,
                          *rt->store_,
                          *rt->sessions_,
                          *rt->http_,
                          audit,
                          core::system_clock(),
                          core::os_random(),
                          rt->queue_.get(),
                          rt->queue_ ? link : nullptr};
  deps.relay = rt->queue_ ? relay : nullptr;
  rt->service_ = desk::service::create(std::move(plan.desk), deps);
  return rt;
}

}  // namespace parley::app
