// Test helper (desk's own tests): running a coroutine to completion, and desk options for the
// two test tenants of test_idp.hpp ("bankx" and "harbour").
#pragma once

#include "test_idp.hpp"

#include <parley/core/testing/run.hpp>
#include <parley/desk/options.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace parley::desk::testing {

using parley::core::testing::run;

inline tenant_options tenant(const std::string& id, const std::string& issuer) {
  tenant_options t;
  t.id = id;
  t.name = id == "bankx" ? "BankX" : "Harbour Bank";
  t.issuer = issuer;
  t.client_id = "parley-desk";
  t.client_secret = core::secret_string("secret-of-" + id);
  t.consultant = {"Desk.Consultant"};
  t.supervisor = {"Desk.Supervisor"};
  t.admin = {"Desk.Admin"};
  return t;
}

inline options two_tenants() {
  options o;
  o.tenants.push_back(tenant("bankx", "https://idp.bankx.example/tenant-1"));
  o.tenants.push_back(tenant("harbour", "https://login.harbour.example"));
  return o;
}

/// The two tenants' fake IdPs on one outbound client, with an account each.
struct two_idps {
  explicit two_idps(const core::clock& clock)
      : bankx("https://idp.bankx.example/tenant-1", "parley-desk", "secret-of-bankx", clock),
        harbour("https://login.harbour.example", "parley-desk", "secret-of-harbour", clock) {
    bankx.add_account({"anna", "Anna Berg", {"Desk.Consultant"}, {}, {}, false});
    bankx.add_account({"sven", "Sven Lind", {"Desk.Supervisor"}, {}, {}, false});
    bankx.add_account({"ada", "Ada Admin", {"Desk.Admin", "Desk.Consultant"}, {}, {}, false});
    bankx.add_account({"nobody", "No Role", {"Something.Else"}, {}, {}, false});
    harbour.add_account({"hugo", "Hugo Hamn", {"Desk.Consultant"}, {}, {}, false});
    client.add(bankx);
    client.add(harbour);
  }
  fake_idp bankx;
  fake_idp harbour;
  router_client client;
};

}  // namespace parley::desk::testing
