// Private: the Proton side of amqp_bus (amqp_bus.hpp describes the behaviour). One client per
// bus, one connection at a time; every member runs on the container's thread (the bus's calls
// arrive through its work queue), except shared_state, which any thread reads.
//
// Connection life: connect() → (SASL, TLS) → on_connection_open: a fresh session, then (auth
// "sas") the CBS links and a put-token, then every topic's sender and every subscription's
// receiver. Any transport, connection, session or link error closes the connection; on
// on_transport_close everything sent and not accepted goes back to the front of its topic's
// backlog, deliveries not yet settled are forgotten (the broker redelivers them), and a reconnect
// is scheduled with exponential backoff. Stop: see begin_stop().
#pragma once

#include "addresses.hpp"
#include "codec.hpp"

#include <parley/bus/amqp/amqp_bus.hpp>
#include <parley/bus/instruments.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <proton/connection.hpp>
#include <proton/delivery.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/session.hpp>
#include <proton/work_queue.hpp>
#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace proton {
class container;
}

namespace parley::bus::amqp::detail {

using steady = std::chrono::steady_clock;

/// What the bus's threads share with the Proton thread.
struct shared_state {
  std::atomic<std::size_t> outstanding{0};  ///< publishes taken and not yet completed
  std::atomic<std::size_t> in_flight{0};    ///< deliveries handed to handlers and not settled
  std::atomic<bool> stopping{false};
  void set_health(error_code ec, std::string detail);
  [[nodiscard]] health get() const;

 private:
  mutable std::mutex mutex_;
  health health_{make_error_code(errc::unavailable), "connecting"};
};

struct pending_publish {
  std::string topic;
  proton::message encoded;
  publish_callback done;
  steady::time_point taken_at;
};

struct subscription_record {
  std::uint64_t id = 0;
  subscription_options opts;  ///< max_in_flight resolved
  boost::asio::any_io_executor ex;
  handler h;
  link_address where;
  std::string label;  ///< "subscribe:<topic>/<name>" for metrics and logs
  std::atomic<bool> attached{false};
  // Proton thread only.
  proton::receiver receiver;
  bool open = false;           ///< a receiver was opened on the current connection
  bool ever_attached = false;  ///< on_reattached fires on the attaches after the first
  bool closing = false;        ///< close() asked: no more credit; detached once in_flight is 0
  std::size_t in_flight = 0;
};

struct client_config {
  parley::bus::options common;
  options amqp;
  std::string node;
  std::string host;        ///< from the URL (the CBS audience)
  bool plain_tcp = false;  ///< amqp:// (loopback only)
  std::string system_ca_bundle = "/etc/ssl/certs/ca-certificates.crt";
};

class client final : public proton::messaging_handler {
 public:
  /// A delivery's settlement crosses back to the Proton thread through this (the bus's work
  /// queue); false when the loop has ended.
  using post_fn = std::function<bool(std::function<void()>)>;

  client(client_config cfg, sealer seal, std::shared_ptr<shared_state> shared, instruments& metrics,
         proton::container& container, proton::work_queue& queue, post_fn post);
  ~client() override;

  // The bus's requests (on the Proton thread).
  void start();
  void publish(pending_publish p);
  void add(std::shared_ptr<subscription_record> s);
  void remove(std::uint64_t id);
  /// Stops cleanly within the stop timeout, then stops the container.
  void begin_stop();
  /// After work that ran outside the connection's own events (the bus's work queue, the tick):
  /// wakes the connection so that Proton processes it and writes what is pending. Without it a
  /// frame would wait for the connection's next event (a heartbeat, seconds later).
  void flush();

  // Proton's events.
  void on_connection_open(proton::connection& c) override;
  void on_connection_error(proton::connection& c) override;
  void on_connection_close(proton::connection& c) override;
  void on_session_error(proton::session& s) override;
  void on_transport_error(proton::transport& t) override;
  void on_transport_close(proton::transport& t) override;
  void on_sender_open(proton::sender& s) override;
  void on_sender_error(proton::sender& s) override;
  void on_sender_detach(proton::sender& s) override;
  void on_sender_close(proton::sender& s) override;
  void on_sendable(proton::sender& s) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_receiver_error(proton::receiver& r) override;
  void on_receiver_detach(proton::receiver& r) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_error(const proton::error_condition& e) override;

 private:
  struct topic_link {
    std::string topic;
    link_address where;
    proton::sender sender;
    bool open = false;
    bool attached = false;
    std::deque<pending_publish> backlog;                 // not sent yet
    std::map<std::uint64_t, pending_publish> unsettled;  // sent, by delivery tag
  };

  // Connection (client.cpp).
  void connect();
  [[nodiscard]] proton::connection_options connection_options();
  void opened();
  void fail(const proton::error_condition& e, std::string_view where);
  void disconnected();
  void schedule_reconnect();
  void release_handles();
  void update_health();
  // Every timer is a deadline checked by one tick (every 20 ms): Proton's scheduled work cannot
  // be cancelled, and a container does not finish stopping before its scheduled work has run.
  void schedule_tick();
  void tick();
  void stop_step(steady::time_point now);
  void finish_stop();

  // CBS (client_cbs.cpp).
  void cbs_open();
  void cbs_put_token();
  void cbs_on_message(proton::delivery& d, proton::message& m);
  [[nodiscard]] bool is_cbs(const proton::link& l) const;

  // Publishing (client_publish.cpp).
  topic_link& link_for(const std::string& topic);
  void open_sender(topic_link& l);
  void pump(topic_link& l);
  topic_link* find(const proton::sender& s);
  void complete(const proton::tracker& t, error_code ec);
  void expire_publishes(steady::time_point now);
  void requeue_unsettled();
  void fail_all_publishes(error_code ec);

  // Consuming (client_consume.cpp).
  void open_receiver(subscription_record& s);
  subscription_record* find(const proton::receiver& r);
  void settle(std::uint64_t delivery, const std::shared_ptr<subscription_record>& s, bool ok);
  void release_due(steady::time_point now);
  void detach_if_done(subscription_record& s);
  void subscriptions_down();

  client_config cfg_;
  sealer seal_;
  std::shared_ptr<shared_state> shared_;
  instruments& metrics_;
  proton::container& container_;
  proton::work_queue& queue_;
  post_fn post_;
  address_book book_;
  std::shared_ptr<spdlog::logger> log_;

  proton::connection connection_;
  proton::session session_;
  bool connecting_ = false;  // a connection attempt or connection exists
  bool connected_ = false;   // the broker answered open (and, for CBS, took the token)
  bool links_opened_ = false;
  std::uint64_t generation_ = 0;  // one per connection
  unsigned attempts_ = 0;         // failed attempts since the last success
  std::string last_error_;        // the broker's or the network's last words (no secrets)
  error_code last_code_ = make_error_code(errc::unavailable);
  bool stopping_ = false;
  bool stopped_ = false;
  std::optional<steady::time_point> reconnect_at_;      // the next connection attempt
  std::optional<steady::time_point> connect_deadline_;  // the attempt in progress gives up
  std::optional<steady::time_point> cbs_deadline_;      // the put-token in flight gives up
  std::optional<steady::time_point> cbs_renew_at_;      // the next put-token
  steady::time_point stop_deadline_{};
  int stop_phase_ = 0;
  std::uint64_t ticks_ = 0;  // 0: drain, 1: links detaching, 2: connection closing
  steady::time_point finish_by_{};

  std::map<std::string, topic_link, std::less<>> topics_;
  std::uint64_t next_tag_ = 0;
  std::map<std::uint64_t, std::shared_ptr<subscription_record>> subs_;
  std::map<std::uint64_t, proton::delivery> deliveries_;  // handed to handlers, by our number
  std::uint64_t next_delivery_ = 0;
  struct delayed_release {
    steady::time_point due;
    proton::delivery delivery;
  };
  std::deque<delayed_release> releases_;  // failed handlers' messages, released after redelivery_delay

  // CBS state.
  proton::sender cbs_sender_;
  proton::receiver cbs_receiver_;
  bool cbs_sender_ready_ = false;
  bool cbs_receiver_ready_ = false;
  std::string cbs_reply_to_;
  std::string cbs_request_id_;
  std::optional<proton::message> cbs_pending_;  // the put-token waiting for credit
  bool cbs_answered_ = false;
  std::uint64_t cbs_requests_ = 0;
};

}  // namespace parley::bus::amqp::detail
