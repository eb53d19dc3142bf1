// Azure Service Bus claims-based security on the connection (cbs.hpp): links to $cbs, a
// put-token before any other link, a fresh token before the old one expires.
#include "cbs.hpp"
#include "client.hpp"

#include <parley/core/clock.hpp>
#include <parley/crypto/primitives.hpp>

#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/source_options.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>

namespace parley::bus::amqp::detail {

bool client::is_cbs(const proton::link& l) const {
  return (cbs_sender_ && l == cbs_sender_) || (cbs_receiver_ && l == cbs_receiver_);
}

void client::cbs_open() {
  cbs_reply_to_ = "cbs-reply-" + cfg_.node + "-" + std::to_string(generation_);
  cbs_answered_ = false;
  cbs_request_id_.clear();
  proton::target_options request_target;
  request_target.address("$cbs");
  proton::sender_options so;
  so.delivery_mode(proton::delivery_mode::AT_MOST_ONCE)
      .target(request_target)
      .name("parley/" + cfg_.node + "/cbs-request");
  cbs_sender_ = session_.open_sender("$cbs", so);
  proton::source_options reply_source;
  reply_source.address("$cbs");
  proton::target_options reply_target;
  reply_target.address(cbs_reply_to_);
  proton::receiver_options ro;
  ro.source(reply_source)
      .target(reply_target)
      .credit_window(0)
      .auto_accept(false)
      .name("parley/" + cfg_.node + "/cbs-reply");
  cbs_receiver_ = session_.open_receiver("$cbs", ro);
  // The service drops a connection without a token after 20 s; ours gives up at connect_timeout.
  cbs_deadline_ = steady::now() + cfg_.amqp.connect_timeout;
  cbs_renew_at_.reset();
}

void client::cbs_put_token() {
  if (!cbs_sender_ready_ || !cbs_receiver_ready_) return;
  if (!cbs_pending_) {
    if (!cbs_request_id_.empty() && !cbs_answered_) return;  // one request at a time
    const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(cfg_.amqp.sas_token_lifetime).count();
    const auto expiry = core::unix_seconds(std::chrono::system_clock::now()) + lifetime;
    const auto audience = cbs_audience(cfg_.host);
    std::string token = sas_token(audience, cfg_.amqp.sas_key_name,
                                  cfg_.amqp.sas_key ? cfg_.amqp.sas_key->reveal() : std::string_view{}, expiry);
    cbs_request_id_ = "put-token-" + cfg_.node + "-" + std::to_string(++cbs_requests_);
    cbs_pending_ = put_token_request(cbs_request_id_, cbs_reply_to_, audience, token, expiry);
    crypto::secure_wipe(token);
    cbs_answered_ = false;
  }
  if (cbs_sender_.credit() <= 0) return;  // on_sendable sends it
  cbs_sender_.send(*cbs_pending_);
  cbs_pending_.reset();
}

void client::cbs_on_message(proton::delivery& d, proton::message& m) {
  d.accept();
  cbs_receiver_.add_credit(1);
  const auto status = parse_put_token_response(m, cbs_request_id_);
  if (!status) return;  // an answer to something else
  cbs_answered_ = true;
  if (!status->ok()) {
    std::string reason = "CBS put-token refused: " + std::to_string(status->code);
    if (!status->description.empty()) reason += " " + status->description;
    last_code_ = make_error_code(errc::unauthorized);
    if (reason != last_error_) log_->warn("bus: {}", reason);
    last_error_ = reason;
    update_health();
    if (connection_ && !connection_.closed()) connection_.close();
    return;
  }
  // Renewed at 80 % of its lifetime (SDKs renew minutes before expiry; lifetimes are ≥ 1 h).
  cbs_deadline_.reset();
  cbs_renew_at_ =
      steady::now() + std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.amqp.sas_token_lifetime) * 8 / 10;
  if (!connected_) {
    log_->info("bus: CBS token accepted by the broker");
    opened();
  } else {
    log_->debug("bus: CBS token renewed");
  }
}

}  // namespace parley::bus::amqp::detail
