// settings.hpp's helpers shared by read_settings and run_services.
#include "settings.hpp"

#include <gtest/gtest.h>

namespace parley::app {
namespace {

TEST(AppSettings, HasListenerLooksForTheName) {
  net::options n;
  EXPECT_FALSE(has_listener(n, "desk"));
  n.listeners.push_back(net::listener_options{});
  n.listeners.back().name = "channel";
  EXPECT_TRUE(has_listener(n, "channel"));
  EXPECT_FALSE(has_listener(n, "desk"));
}

// Every service's outbound client gets all of [net]'s client settings (the desk once missed the
// response cap and the user agent) but never the channel's mTLS identity.
TEST(AppSettings, ServicesGetEveryClientSettingButTheIdentity) {
  net::client_options c;
  c.connect_timeout = std::chrono::milliseconds{1234};
  c.request_timeout = std::chrono::milliseconds{5678};
  c.max_response_bytes = 4321;
  c.max_header_bytes = 999;
  c.max_idle_per_host = 3;
  c.idle_timeout = std::chrono::milliseconds{42};
  c.system_cas = false;
  c.ca_file = "/etc/bank/ca.pem";
  c.client_cert_file = "/etc/bank/channel.pem";
  c.client_key.emplace("not for the bot");
  c.user_agent = "bank-parley";
  const auto out = without_client_identity(c);
  EXPECT_EQ(out.connect_timeout, c.connect_timeout);
  EXPECT_EQ(out.request_timeout, c.request_timeout);
  EXPECT_EQ(out.max_response_bytes, 4321u);
  EXPECT_EQ(out.max_header_bytes, 999u);
  EXPECT_EQ(out.max_idle_per_host, 3u);
  EXPECT_EQ(out.idle_timeout, c.idle_timeout);
  EXPECT_FALSE(out.system_cas);
  EXPECT_EQ(out.ca_file, "/etc/bank/ca.pem");
  EXPECT_EQ(out.user_agent, "bank-parley");
  EXPECT_TRUE(out.client_cert_file.empty());
  EXPECT_FALSE(out.client_key.has_value());
}

}  // namespace
}  // namespace parley::app
