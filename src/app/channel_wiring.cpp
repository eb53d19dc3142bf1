#include "channel_wiring.hpp"

#include "root_key_wrapper.hpp"

#include <parley/channel/secret_hash.hpp>
#include <parley/channel/tokens.hpp>
#include <parley/core/clock.hpp>
#include <parley/core/random.hpp>

#include <cstdio>

namespace parley::app {

std::optional<demo_channel> make_demo_channel(const std::filesystem::path& data_dir, std::string bot_endpoint) {
  demo_channel d;
  auto& rng = core::os_random();
  d.bot.bot_id = "bankx-assistant";
  d.bot.tenant = "bankx";
  d.bot.channel_secret = core::secret_string(core::random_id(rng, "", 32));
  d.bot.app_id = core::random_id(rng, "bankx-", 12);
  d.bot.app_password = core::secret_string(core::random_id(rng, "", 32));
  auto secret_hash = channel::hash_secret(d.bot.channel_secret.reveal(), rng);
  auto password_hash = channel::hash_secret(d.bot.app_password.reveal(), rng);
  if (!secret_hash || !password_hash) {
    std::fprintf(stderr, "parley demo: cannot hash the demo bot's secrets\n");
    return std::nullopt;
  }
  channel::bot_options b;
  b.id = d.bot.bot_id;
  b.tenant = d.bot.tenant;
  b.name = "BankX Assistant";
  b.app_id = d.bot.app_id;
  b.secret_hashes = {*secret_hash};
  b.app_password_hash = *password_hash;
  b.endpoint = std::move(bot_endpoint);
  d.plan.channel.bots.push_back(std::move(b));
  // The demo's widget proves a key and gets bound (DPoP) tokens; its Web Chat page cannot, so the
  // demo tenant allows unbound ones too (a bank without Web Chat keeps the default: bound only).
  channel::tenant_options tenant;
  tenant.id = d.bot.tenant;
  tenant.require_bound_tokens = false;
  d.plan.channel.tenants.push_back(std::move(tenant));
  d.plan.keys.file = data_dir / "signing-keys.json";
  d.plan.crypto.root_key_file = (data_dir / "root.key").string();
  if (!std::filesystem::exists(std::filesystem::symlink_status(d.plan.crypto.root_key_file))) {
    // First start of the demo: a root key of its own, beside the data (fine for a demo only).
    auto created = crypto::root_key::create_file(d.plan.crypto.root_key_file);
    if (!created) {
      std::fprintf(stderr, "parley demo: cannot create the root key %s: %s\n", d.plan.crypto.root_key_file.c_str(),
                   created.error().message().c_str());
      return std::nullopt;
    }
  }
  return d;
}

channel_runtime::~channel_runtime() = default;

std::unique_ptr<channel_runtime> channel_runtime::create(boost::asio::io_context& io, channel_plan plan,
                                                         net::metrics_registry& metrics, bus::bus& bus,
                                                         channel::in_process_bot* in_process,
                                                         channel::handoff_listener* handoff) {
  std::unique_ptr<channel_runtime> rt(new channel_runtime());
  if (!plan.store) {
    std::fprintf(stderr, "parley: channel: no conversation store\n");
    return nullptr;
  }
  rt->store_ = std::move(plan.store);
  auto root = crypto::load_root_key(plan.crypto, core::process_environment());
  if (!root) {
    std::fprintf(stderr, "parley: channel: cannot load the root key that wraps the signing keys (%s): %s\n",
                 plan.crypto.root_key_file.empty() ? ("$" + plan.crypto.root_key_env).c_str()
                                                   : plan.crypto.root_key_file.c_str(),
                 root.error().message().c_str());
    return nullptr;
  }
  rt->wrapper_ = std::make_unique<root_key_wrapper>(std::make_shared<const crypto::root_key>(std::move(*root)));
  auto keys = jose::signing_key_store::open(plan.keys, channel::token_service::key_purposes(), *rt->wrapper_,
                                            core::system_clock());
  if (!keys) {
    std::fprintf(stderr, "parley: channel: signing keys %s: %s\n", plan.keys.file.c_str(),
                 keys.error().message().c_str());
    return nullptr;
  }
  rt->keys_ = std::move(*keys);
  plan.client.user_agent = "parley-channel";
  auto http = net::pooled_http_client::create(io, std::move(plan.client));
  if (!http) {
    std::fprintf(stderr, "parley: channel: cannot create the outbound client: %s\n", http.error().message().c_str());
    return nullptr;
  }
  rt->http_ = std::move(*http);
  rt->service_ = std::make_unique<channel::service>(
      std::move(plan.channel),
      channel::dependencies{io, *rt->store_, *rt->keys_, *rt->http_, bus, core::system_clock(), core::os_random(),
                            &metrics, in_process, handoff,
                            plan.store_shared ? dynamic_cast<store::single_use_store*>(rt->store_.get()) : nullptr});
  return rt;
}

}  // namespace parley::app
