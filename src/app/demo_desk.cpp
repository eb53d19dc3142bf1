#include "demo_desk.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <string_view>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

struct demo_tenant {
  const char* id;
  const char* name;
  std::vector<std::tuple<const char*, const char*, const char*, const char*>>
      accounts;  // user, name, app role, desk role
};

const std::vector<demo_tenant>& demo_tenants() {
  static const std::vector<demo_tenant> t = {
      {"bankx",
       "BankX",
       {{"anna", "Anna Berg", "Desk.Consultant", "consultant"},
        {"sven", "Sven Lind", "Desk.Supervisor", "supervisor"},
        {"ada", "Ada Admin", "Desk.Admin", "admin"}}},
      {"harbour",
       "Harbour Bank",
       {{"hugo", "Hugo Hamn", "Desk.Consultant", "consultant"},
        {"hanna", "Hanna Holm", "Desk.Supervisor", "supervisor"},
        {"hal", "Hal Harbour", "Desk.Admin", "admin"}}},
  };
  return t;
}

}  // namespace

std::optional<demo_desk> start_demo_desk(const fs::path& data_dir, const std::string& desk_base, std::string& problem,
                                         unsigned bench_consultants) {
  const fs::path src(PARLEY_SOURCE_DIR);
  test_idp_config cfg;
  cfg.script = src / "examples" / "test-idp" / "idp.mjs";
  cfg.dir = data_dir / "test-idp";
  demo_desk out;
  boost::json::array accounts;
  std::map<std::string, std::string> secrets;
  for (const auto& t : demo_tenants()) {
    test_idp_tenant it;
    it.id = t.id;
    it.name = t.name;
    test_idp_client client;
    client.client_id = "parley-desk";
    client.client_secret = demo_password() + demo_password() + demo_password();
    secrets[t.id] = client.client_secret;
    client.redirect_uris = {desk_base + "/desk/callback/" + t.id};
    client.post_logout_redirect_uris = {desk_base + "/desk/signed-out"};
    client.backchannel_logout_uri = desk_base + "/desk/backchannel-logout/" + t.id;
    it.clients.push_back(std::move(client));
    for (const auto& [user, name, app_role, desk_role] : t.accounts) {
      test_idp_account a{user, demo_password(), name, {app_role}, desk_role};
      accounts.push_back(
          boost::json::object{{"tenant", t.id}, {"role", desk_role}, {"username", user}, {"password", a.password}});
      out.banner.push_back(std::string(t.id) + " " + desk_role + ": " + user + " / " + a.password);
      it.accounts.push_back(std::move(a));
    }
    // The load bench's consultants (test accounts of the embedded IdP only, like the others).
    for (unsigned n = 1; std::string_view(t.id) == "bankx" && n <= bench_consultants; ++n) {
      char user[16];
      std::snprintf(user, sizeof user, "bench%02u", n);
      test_idp_account a{user,
                         demo_password(),
                         std::string("Bench") + std::to_string(n) + " Consultant",
                         {"Desk.Consultant"},
                         "consultant"};
      accounts.push_back(boost::json::object{
          {"tenant", t.id}, {"role", "consultant"}, {"username", a.username}, {"password", a.password}});
      it.accounts.push_back(std::move(a));
    }
    cfg.tenants.push_back(std::move(it));
  }
  out.idp = test_idp_process::start(cfg, problem);
  if (!out.idp) return std::nullopt;

  auto& d = out.plan.desk;
  d.public_url = desk_base;
  d.app_dir = (src / "web" / "desk" / "dist").string();
  for (const auto& t : demo_tenants()) {
    desk::tenant_options o;
    o.id = t.id;
    o.name = t.name;
    o.issuer = out.idp->issuers().at(t.id);
    o.client_id = "parley-desk";
    o.client_secret = core::secret_string(secrets[t.id]);
    o.consultant = {"Desk.Consultant"};
    o.supervisor = {"Desk.Supervisor"};
    o.admin = {"Desk.Admin"};
    o.id_token_algorithms = {jose::algorithm::rs256};
    // A few canned responses ("/" in the desk's composer), as an admin would configure them.
    o.canned = {{"Greeting", std::string("Hello, this is ") + t.name + ". How can I help you?"},
                {"Identity check", "Before I can change anything, please confirm your identity in online banking."},
                {"Goodbye", "Thank you for contacting us. Have a good day!"}};
    d.tenants.push_back(std::move(o));
  }
  out.accounts_json = boost::json::serialize(accounts);
  return out;
}

}  // namespace parley::app
