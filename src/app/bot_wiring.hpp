// Builds the bot web service for `parley serve` and `parley demo` (the composition root's job):
// the assistant definition (a bad file stops the start with the loader's messages), the outbound
// client (channel, Connector API, JWKS, the client's API), the login seams (src/login's flow and
// bot_login when [[login.tenants]] are configured, unavailable_login otherwise) and bot::service
// over the shared conversation store. For the demo,
// also the BankX site and the widget bundles served from the bot's listener (same origin as
// /api/token, so the site's origin is the bot's).
#pragma once

#include <parley/assistant/options.hpp>
#include <parley/bot/login.hpp>
#include <parley/bot/options.hpp>
#include <parley/bot/service.hpp>
#include <parley/crypto/sealed_secret.hpp>
#include <parley/login/bot_login.hpp>
#include <parley/login/options.hpp>
#include <parley/net/client.hpp>
#include <parley/net/metrics.hpp>
#include <parley/net/options.hpp>
#include <parley/net/router.hpp>
#include <parley/store/conversation_store.hpp>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace parley::app {

/// The static pages the demo serves from the bot's listener (examples/bankx/site/README.md).
struct demo_site {
  std::filesystem::path site;           ///< examples/bankx/site
  std::filesystem::path widget;         ///< web/widget/dist
  std::filesystem::path webchat_compat;  ///< web/webchat-compat/dist (optional: served if built)
};

struct bot_plan {
  bot::options bot;                 ///< channel_url may be empty: the channel's URL is used at start
  assistant::options assistant;
  net::client_options client;
  std::shared_ptr<store::conversation_store> store;  ///< shared with the channel
  std::optional<demo_site> site;
  login::options login;  ///< the end user's login; no tenants: every login fails honestly
};

/// Everything the bot uses, alive for the whole run (declare it before the server).
class bot_runtime {
 public:
  /// Loads the definition and builds the service; on failure prints clear lines to stderr and
  /// returns nullptr.
  /// `channel` (may be null): the channel of this process, when it delivers to this bot in-process.
  [[nodiscard]] static std::unique_ptr<bot_runtime> create(boost::asio::io_context& io, bot_plan plan,
                                                           bot::channel_link* channel = nullptr);
  ~bot_runtime();

  [[nodiscard]] bot::service& service() { return *service_; }
  /// Counts the end users' login outcomes on `metrics` (parley_login_outcomes_total), which must
  /// outlive the runtime. Nothing without [login] tenants. Before the listeners start.
  void count_login_outcomes(net::metrics_registry& metrics);
  /// The bot's routes, plus the demo site's when there is one.
  [[nodiscard]] bool add_routes(net::router& r);

 private:
  bot_runtime() = default;
  std::shared_ptr<store::conversation_store> store_;
  std::unique_ptr<net::pooled_http_client> http_;
  bot::unavailable_login login_;
  // The login component (before service_: destroyed after it).
  std::optional<crypto::secret_sealer> sealer_;
  std::vector<std::unique_ptr<net::pooled_http_client>> login_http_;  // one per tenant (its CA, mTLS, timeouts)
  std::unique_ptr<login::flow> flow_;
  std::unique_ptr<login::bot_login> bot_login_;
  std::unique_ptr<bot::service> service_;
  std::optional<demo_site> site_;
};

}  // namespace parley::app
