#include "bot_settings.hpp"

#include <algorithm>
#include <vector>

namespace parley::app {
namespace {

// The seven settings botbuilder reads as one block: set one and the others become undefined,
// so every one is printed (bot-connector.md, fact 6).
struct connector_settings {
  std::string app_id;
  std::string issuer;             // ToBotFromChannelTokenIssuer: the channel's `iss`, no trailing slash
  std::string openid_metadata;    // ToBotFromChannelOpenIdMetadataUrl
  std::string emulator_metadata;  // ToBotFromEmulatorOpenIdMetadataUrl (unused by the channel; must be set)
  std::string login_url;          // ToChannelFromBotLoginUrl: the MSAL authority of the token endpoint
  std::string oauth_scope;        // ToChannelFromBotOAuthScope (botbuilder appends "/.default")
  std::string oauth_url;          // OAuthUrl (the user token service: not offered, must be set)
  std::string caller_id;          // CallerId: set on every inbound activity
};

constexpr const char* password_placeholder = "<the app password you hashed into app_password_hash>";

// MultiTenant bots get their tokens from the "botframework.com" tenant, as on Azure.
connector_settings settings_for(const channel::options& c, const channel::bot_options& b) {
  connector_settings o;
  o.app_id = b.app_id;
  o.issuer = c.issuer;
  o.openid_metadata = c.public_url + "/v1/.well-known/openidconfiguration";
  o.login_url = c.public_url + "/botframework.com";
  o.emulator_metadata = o.login_url + "/v2.0/.well-known/openid-configuration";
  o.oauth_scope = c.connector_scope;
  o.oauth_url = c.public_url;
  o.caller_id = "urn:parley:" + b.tenant;
  return o;
}

std::string json_string(std::string_view v) {
  std::string out = "\"";
  for (const char ch : v) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// The settings in botbuilder-js/C# names, with the Python attribute of each (empty: none).
struct row {
  const char* name;
  const char* python;
  std::string value;
};

std::vector<row> rows(const connector_settings& o) {
  return {
      {"MicrosoftAppType", "APP_TYPE", "MultiTenant"},
      {"MicrosoftAppId", "APP_ID", o.app_id},
      {"MicrosoftAppPassword", "", password_placeholder},
      {"MicrosoftAppTenantId", "APP_TENANTID", ""},
      {"ToBotFromChannelTokenIssuer", "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER", o.issuer},
      {"ToBotFromChannelOpenIdMetadataUrl", "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", o.openid_metadata},
      {"ToBotFromEmulatorOpenIdMetadataUrl", "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", o.emulator_metadata},
      {"ToChannelFromBotLoginUrl", "TO_CHANNEL_FROM_BOT_LOGIN_URL", o.login_url},
      {"ToChannelFromBotOAuthScope", "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE", o.oauth_scope},
      {"OAuthUrl", "OAUTH_URL", o.oauth_url},
      {"CallerId", "CALLER_ID", o.caller_id},
  };
}

std::string env_text(const connector_settings& o) {
  std::string out;
  for (const auto& r : rows(o)) out += std::string(r.name) + "=" + r.value + "\n";
  return out;
}

std::string appsettings_text(const connector_settings& o) {
  std::string out = "{\n";
  for (const auto& r : rows(o)) out += "  " + json_string(r.name) + ": " + json_string(r.value) + ",\n";
  // MSAL.NET refuses an authority it cannot validate against Microsoft's instance discovery.
  return out + "  \"ValidateAuthority\": false\n}\n";
}

// botbuilder-python's ConfigurationBotFrameworkAuthentication reads these attributes.
std::string python_text(const connector_settings& o) {
  std::string out = "class DefaultConfig:\n    PORT = 3978\n";
  for (const auto& r : rows(o)) {
    if (*r.python != 0) out += std::string("    ") + r.python + " = " + json_string(r.value) + "\n";
  }
  return out + "    APP_PASSWORD = os.environ[\"MicrosoftAppPassword\"]\n    VALIDATE_AUTHORITY = False\n";
}

// botbuilder passes ToChannelFromBotLoginUrl to MSAL as the authority; MSAL refuses any host but
// Microsoft's (endpoints_resolution_error) unless it is in knownAuthorities.
std::string msal_text() {
  return "const { CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');\n"
         "const { MsalServiceClientCredentialsFactory } = require('botframework-connector');\n"
         "const { ConfidentialClientApplication } = require('@azure/msal-node');\n"
         "const msal = new ConfidentialClientApplication({\n"
         "  auth: {\n"
         "    clientId: process.env.MicrosoftAppId,\n"
         "    clientSecret: process.env.MicrosoftAppPassword,\n"
         "    authority: process.env.ToChannelFromBotLoginUrl,\n"
         "    knownAuthorities: [new URL(process.env.ToChannelFromBotLoginUrl).host],\n"
         "  },\n"
         "});\n"
         "const credentials = new MsalServiceClientCredentialsFactory(process.env.MicrosoftAppId, msal);\n"
         "const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(process.env, credentials));\n";
}

}  // namespace

std::optional<std::string> channel_public_url(const settings& s, std::string& why) {
  channel::options c = s.channel;
  if (c.public_url.empty()) {
    const auto l = std::find_if(s.net.listeners.begin(), s.net.listeners.end(),
                                [](const net::listener_options& x) { return x.name == "channel"; });
    if (l == s.net.listeners.end()) {
      why = "no \"channel\" listener and no [channel] public_url";
      return std::nullopt;
    }
    if (l->port == 0) {
      why = "the channel listener's port is 0 (chosen at start): set [channel] public_url";
      return std::nullopt;
    }
    const bool https = !l->tls_cert_file.empty() || l->behind_tls_proxy;
    const std::string host = l->address == "localhost" ? "127.0.0.1" : l->address;
    const bool v6 = host.find(':') != std::string::npos;
    c.public_url =
        std::string(https ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(l->port);
  }
  if (!channel::resolve_urls(c)) {
    why = "[channel] public_url " + c.public_url + " is not an absolute http(s) URL";
    return std::nullopt;
  }
  return c.public_url;
}

std::optional<std::string> bot_settings_text(const settings& s, std::string_view bot_id, const std::string& public_url,
                                             bot_settings_format format, std::string& why) {
  const auto it = std::find_if(s.channel.bots.begin(), s.channel.bots.end(),
                               [&](const channel::bot_options& b) { return b.id == bot_id; });
  if (it == s.channel.bots.end()) {
    why = "no [[channel.bots]] entry with id \"" + std::string(bot_id) + "\"";
    return std::nullopt;
  }
  if (it->endpoint == channel::in_process_endpoint) {
    why = "bot \"" + it->id + "\" runs in this process (endpoint = \"in-process\"): it needs no botbuilder settings";
    return std::nullopt;
  }
  if (it->app_id.empty()) {
    why = "bot \"" + it->id +
          "\" is anonymous (no app_id): botbuilder then runs with an empty MicrosoftAppId and no other setting, on "
          "loopback only; give it an app_id and app_password_hash to authenticate";
    return std::nullopt;
  }
  channel::options c = s.channel;
  c.public_url = public_url;
  if (!channel::resolve_urls(c)) {
    why = "the public URL " + public_url + " is not an absolute http(s) URL";
    return std::nullopt;
  }
  const auto o = settings_for(c, *it);
  switch (format) {
    case bot_settings_format::env:
      return env_text(o);
    case bot_settings_format::appsettings:
      return appsettings_text(o);
    case bot_settings_format::python:
      return python_text(o);
    case bot_settings_format::msal:
      return msal_text();
    case bot_settings_format::all:
      break;
  }
  std::string out;
  out += "# Bot \"" + it->id + "\" (tenant " + it->tenant + ") on the Parley channel at " + c.public_url + "\n";
  out += "# The app password is not in the configuration (only its hash): put yours where the placeholder is.\n";
  if (c.public_url.starts_with("http://")) {
    out +=
        "# WARNING: MSAL refuses an http:// authority: the bot cannot get a token until the channel has TLS\n"
        "# (parley dev-tls for development; docs/bring-your-own-bot.md).\n";
  }
  out += "\n## botbuilder-js: .env\n" + env_text(o);
  out += "\n## botbuilder-js: the adapter (MSAL must be told the channel's token endpoint is an authority)\n" +
         msal_text();
  out += "\n## C# (botbuilder-dotnet): appsettings.json\n" + appsettings_text(o);
  out += "\n## Python (botbuilder-python): config.py\nimport os\n\n" + python_text(o);
  return out;
}

}  // namespace parley::app
