// Options of the service desk and their parser for the `[desk]` section.
//
//   [desk]
//   public_url = "https://desk.bank.example"  # the desk's origin as browsers see it (default: its listener)
//   allowed_origins = []          # more Origins allowed on the API and the WebSocket (default: public_url's)
//   app_dir = "/usr/share/parley/desk"   # the built desk app (web/desk/dist)
//   idle_timeout = "15m"          # a session unused this long ends (a tenant's admin may shorten it)
//   idle_warning = "2m"           # the desk warns this long before (WCAG 2.2.1)
//   absolute_timeout = "10h"      # a session ends this long after sign-in, whatever happens
//   refresh_interval = "5m"       # how often the IdP is asked whether the consultant may stay
//   sign_in_timeout = "10m"       # a sign-in must come back from the IdP within this
//   ca_file = ""                  # CA bundle for the IdPs (default: the system's)
//   answer_timeout = "2m"         # a taken or assigned conversation unanswered this long is requeued
//   wait_timeout = "10m"          # a handoff nobody took within this fails (the assistant offers
//                                 # the alternatives); "0s": never
//   [[desk.tenants]]
//   id = "bankx"                  # the tenant id conversations carry
//   name = "BankX"                # shown on the sign-in button
//   issuer = "https://login.microsoftonline.com/<tenant-guid>/v2.0"   # exact; https except loopback
//   client_id = "..."
//   client_secret = { file = "/etc/parley/desk-bankx-secret" }      # by reference only
//   token_auth = "client_secret_basic"     # or "client_secret_post"
//   scopes = ["openid", "profile", "offline_access"]
//   redirect_uri = ""             # default: public_url + /desk/callback/<id> (distinct per IdP)
//   post_logout_redirect_uri = "" # default: public_url + /desk/signed-out
//   role_claim = "roles"          # "roles" (app roles) or "groups"
//   consultant = ["Desk.Consultant"]   # claim values granting each role (highest wins)
//   supervisor = ["Desk.Supervisor"]
//   admin = ["Desk.Admin"]
//   allowed_groups = []           # when set, the `groups` claim must hold one of these
//   tid_allowlist = []            # Entra ID: the token's `tid` must be one of these
//   id_token_algorithms = ["RS256", "ES256"]
//   assignment = "pick"           # "pick": consultants take from the queue; "auto": the desk
//                                 # assigns each waiting handoff to an available consultant
//   [desk.tenants.hours]          # opening hours of the live desk (absent: always open); outside
//   time_zone = "Europe/Berlin"   # them a handoff fails at once (the assistant offers its
//   mon = ["08:00-18:00"]         # alternatives). mon..sun: "HH:MM-HH:MM" in that zone (local
//   sat = ["09:00-13:00"]         # time, summer time included); a day not named is closed
//   [[desk.tenants.canned]]       # canned responses the tenant's consultants insert with "/"
//   title = "Greeting"            # 1-80 bytes, unique in the tenant (at most 200 per tenant)
//   text = "Hello, how can I help?"   # 1-4000 bytes
//
// Problems are recorded in the config (finish() is called on every table). Thread-safety: plain values.
#pragma once

#include <parley/core/config.hpp>
#include <parley/core/log.hpp>
#include <parley/desk/hours.hpp>
#include <parley/jose/key.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace parley::desk {

using namespace std::chrono_literals;

enum class token_auth_method { client_secret_basic, client_secret_post };

/// One tenant's identity provider and how its claims map to desk roles.
/// A canned response of a tenant (admin-managed in its configuration).
struct canned_response {
  std::string title;
  std::string text;
};

struct tenant_options {
  std::string id;
  std::string name;
  std::string issuer;  ///< exact issuer; discovery at issuer + "/.well-known/openid-configuration"
  std::string client_id;
  core::secret_string client_secret;
  token_auth_method token_auth = token_auth_method::client_secret_basic;
  std::vector<std::string> scopes{"openid", "profile", "offline_access"};
  std::string redirect_uri;              ///< empty: public_url + "/desk/callback/" + id
  std::string post_logout_redirect_uri;  ///< empty: public_url + "/desk/signed-out"
  std::string role_claim = "roles";
  std::vector<std::string> consultant;
  std::vector<std::string> supervisor;
  std::vector<std::string> admin;
  std::vector<std::string> allowed_groups;
  std::vector<std::string> tid_allowlist;
  std::vector<jose::algorithm> id_token_algorithms{jose::algorithm::rs256, jose::algorithm::es256};
  /// The live desk: waiting handoffs are assigned by the desk (least loaded, round-robin)
  /// instead of waiting for a consultant's Take.
  bool auto_assign = false;
  std::vector<canned_response> canned;
  opening_hours hours;

  tenant_options() = default;
  tenant_options(tenant_options&&) noexcept = default;
  tenant_options& operator=(tenant_options&&) noexcept = default;
  /// An explicit copy (the secret is cloned).
  [[nodiscard]] tenant_options clone() const;
};

struct options {
  std::string public_url;
  std::vector<std::string> allowed_origins;
  std::string app_dir;
  std::chrono::seconds idle_timeout = 15min;
  std::chrono::seconds idle_warning = 2min;
  std::chrono::seconds absolute_timeout = 10h;
  std::chrono::seconds refresh_interval = 5min;
  std::chrono::seconds sign_in_timeout = 10min;
  /// After this long without a successful refresh (the IdP unreachable), the session ends.
  std::chrono::seconds refresh_grace = 15min;
  std::chrono::seconds sweep_interval = 60s;
  /// How often an open desk's WebSocket re-checks its session (back-channel logout on another
  /// node, expiry, refresh).
  std::chrono::seconds events_check_interval = 15s;
  std::chrono::seconds discovery_max_age = 24h;
  /// A conversation taken (or assigned) and not answered within this goes back to the queue.
  std::chrono::seconds answer_timeout = 120s;
  /// A handoff still waiting after this fails (handoff.status failed); zero: never.
  std::chrono::seconds wait_timeout = 10min;
  /// How often the live desk's loop runs (requeue, automatic assignment, wait timeouts).
  std::chrono::seconds queue_check_interval = 5s;
  std::string ca_file;
  std::vector<tenant_options> tenants;

  options() = default;
  options(options&&) noexcept = default;
  options& operator=(options&&) noexcept = default;
  [[nodiscard]] options clone() const;
};

/// Reads `[desk]`. URLs must be https://, or http:// on a loopback host; an issuer naming Entra's
/// multi-tenant authorities (/common, /organizations, /consumers, {tenantid}) is refused.
[[nodiscard]] options parse_options(core::config_section section);

/// True for an https:// URL, or an http:// URL whose host is a loopback address; no userinfo or fragment.
[[nodiscard]] bool acceptable_url(std::string_view url);

/// The origin ("scheme://host[:port]") of an absolute URL; empty when it has none.
[[nodiscard]] std::string origin_of(std::string_view url);

}  // namespace parley::desk
