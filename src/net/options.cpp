#include <parley/net/options.hpp>

#include <boost/asio/ip/address.hpp>

#include <thread>

namespace parley::net {
namespace {

using std::chrono::milliseconds;

listener_options read_listener(core::config_section s) {
  listener_options o;
  o.name = s.string("name", o.name);
  o.address = s.string("address", o.address);
  o.port = static_cast<std::uint16_t>(s.integer("port", o.port, 0, 65535));
  o.tls_cert_file = s.string("tls_cert_file", o.tls_cert_file);
  o.tls_key = s.secret("tls_key");
  o.behind_tls_proxy = s.boolean("behind_tls_proxy", o.behind_tls_proxy);
  o.max_connections_per_client = static_cast<std::size_t>(
      s.integer("max_connections_per_client", static_cast<std::int64_t>(o.max_connections_per_client), 0, 10'000'000));
  if (s.has("reserved_connections")) {
    o.reserved_connections = static_cast<std::size_t>(s.integer("reserved_connections", 0, 0, 1'000'000));
  }
  for (const auto& cidr : s.strings("trusted_proxies")) {
    std::string why;
    if (auto n = parse_network(cidr, &why)) {
      o.trusted_proxies.push_back(*n);
    } else {
      s.error("trusted_proxies", "\"" + cidr + "\": " + why);
    }
  }
  const auto header = s.string("forwarded_header", "x-forwarded-for");
  if (header == "forwarded") {
    o.forwarded = forwarded_header::forwarded;
  } else if (header != "x-forwarded-for") {
    s.error("forwarded_header", "must be \"x-forwarded-for\" or \"forwarded\"");
  }
  if (o.name.empty()) s.error("name", "must not be empty");
  boost::system::error_code ec;
  if (o.address != "localhost") (void)boost::asio::ip::make_address(o.address, ec);
  if (ec) s.error("address", "must be an IP address or \"localhost\"");
  if (o.tls_cert_file.empty() != !o.tls_key.has_value()) {
    s.error("tls_cert_file", "TLS needs both tls_cert_file and tls_key (or neither, for plain HTTP)");
  }
  if (!ec && o.tls_cert_file.empty() && !o.behind_tls_proxy && !is_loopback_address(o.address)) {
    s.error("address",
            "plain HTTP is only allowed on loopback addresses: configure tls_cert_file and tls_key, or set "
            "behind_tls_proxy = true if a TLS-terminating proxy is in front");
  }
  s.finish();
  return o;
}

server_options read_server(core::config_section& s) {
  server_options o;
  o.max_connections = static_cast<std::size_t>(s.integer("max_connections", 10'000, 1, 10'000'000));
  o.max_header_bytes = static_cast<std::size_t>(s.integer("max_header_bytes", 16 * 1024, 1024, 64 * 1024));
  o.max_body_bytes = static_cast<std::size_t>(s.integer("max_body_bytes", 1024 * 1024, 0, 1024LL * 1024 * 1024));
  o.first_byte_timeout = s.duration("first_byte_timeout", o.first_byte_timeout);
  o.header_timeout = s.duration("header_timeout", o.header_timeout);
  o.body_timeout = s.duration("body_timeout", o.body_timeout);
  o.idle_timeout = s.duration("idle_timeout", o.idle_timeout);
  o.write_timeout = s.duration("write_timeout", o.write_timeout);
  o.shutdown_timeout = s.duration("shutdown_timeout", o.shutdown_timeout);
  o.linger_timeout = s.duration("linger_timeout", o.linger_timeout);
  o.refusal_log_interval = s.duration("refusal_log_interval", o.refusal_log_interval);
  o.hsts_max_age = std::chrono::duration_cast<std::chrono::seconds>(
      s.duration("hsts_max_age", std::chrono::duration_cast<milliseconds>(o.hsts_max_age)));
  o.referrer_policy = s.string("referrer_policy", o.referrer_policy);
  o.html_csp = s.string("html_csp", o.html_csp);
  for (const auto* key : {"first_byte_timeout", "header_timeout", "body_timeout", "idle_timeout", "write_timeout",
                          "refusal_log_interval"}) {
    if (s.has(key) && s.duration(key, milliseconds{1}) <= milliseconds{0}) s.error(key, "must be positive");
  }
  return o;
}

client_options read_client(core::config_section s) {
  client_options o;
  o.connect_timeout = s.duration("connect_timeout", o.connect_timeout);
  o.request_timeout = s.duration("request_timeout", o.request_timeout);
  o.max_response_bytes =
      static_cast<std::size_t>(s.integer("max_response_bytes", static_cast<std::int64_t>(o.max_response_bytes), 1024,
                                         1024LL * 1024 * 1024));
  o.max_idle_per_host = static_cast<std::size_t>(s.integer("max_idle_per_host", 8, 0, 1024));
  o.idle_timeout = s.duration("idle_timeout", o.idle_timeout);
  o.system_cas = s.boolean("system_cas", o.system_cas);
  o.ca_file = s.string("ca_file", o.ca_file);
  o.client_cert_file = s.string("client_cert_file", o.client_cert_file);
  o.client_key = s.secret("client_key");
  o.user_agent = s.string("user_agent", o.user_agent);
  if (o.client_cert_file.empty() != !o.client_key.has_value()) {
    s.error("client_cert_file", "mTLS needs both client_cert_file and client_key");
  }
  if (!o.system_cas && o.ca_file.empty()) s.error("system_cas", "with system_cas = false, ca_file is required");
  s.finish();
  return o;
}

}  // namespace

std::size_t reserved_connections_of(const listener_options& l) noexcept {
  return l.reserved_connections.value_or(l.name == "ops" ? 64 : 0);
}

bool is_loopback_address(std::string_view address) {
  if (address == "localhost") return true;
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(address), ec);
  return !ec && a.is_loopback();
}

options parse_options(core::config_section s) {
  options o;
  o.threads = static_cast<unsigned>(s.integer("threads", 1, 0, 1024));
  o.server = read_server(s);
  for (auto& l : s.sections("listeners")) o.listeners.push_back(read_listener(l));
  for (std::size_t i = 0; i < o.listeners.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (o.listeners[i].name == o.listeners[j].name) s.error("listeners", "two listeners named " + o.listeners[i].name);
    }
  }
  o.client = read_client(s.section("client"));
  s.finish();
  return o;
}

}  // namespace parley::net
