// `parley store ...`: operations on the encrypted conversation store (docs/adr/0005).
//   migrate                       apply pending schema migrations (after checking the root key)
//   restore                       finish, in a restored backup, the erasures made since (cmd_store_restore.cpp)
//   erase-conversation TENANT ID  crypto-shred one conversation
//   erase-user TENANT USER        crypto-shred every conversation of one end user
//   purge [--tenant T]            erase conversations idle longer than their tenant's retention
#include "commands.hpp"
#include "store_cli.hpp"

#include <parley/core/clock.hpp>

#include <ctime>
#include <map>

namespace parley::app {

command add_store_restore(CLI::App& group);  // cmd_store_restore.cpp

namespace {

std::string iso8601(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int report(const char* what, error_code e) {
  std::fprintf(stderr, "parley: store %s: %s\n", what, e.message().c_str());
  return 1;
}

command add_migrate(CLI::App& group) {
  auto* sub = group.add_subcommand("migrate", "Apply pending schema migrations (the root key is checked first)");
  auto t = std::make_shared<store_target>();
  add_store_target(sub, *t);
  return [t] {
    return with_store(*t, true, [](const settings&, store::encrypted_store&) {
      std::printf("store schema is current\n");
      return 0;
    });
  };
}

command add_erase_conversation(CLI::App& group) {
  auto* sub = group.add_subcommand("erase-conversation", "Crypto-shred one conversation (also in older backups)");
  auto t = std::make_shared<store_target>();
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  sub->add_option("tenant", args->first, "Tenant id")->required();
  sub->add_option("conversation", args->second, "Conversation id")->required();
  add_store_target(sub, *t);
  return [t, args] {
    return with_store(*t, false, [args](const settings&, store::encrypted_store& st) {
      auto r = run_sync(st.erase_conversation(args->first, args->second));
      if (!r) return report("erase-conversation", r.error());
      std::printf("erased conversation %s of tenant %s\n", args->second.c_str(), args->first.c_str());
      return 0;
    });
  };
}

command add_erase_user(CLI::App& group) {
  auto* sub = group.add_subcommand("erase-user", "Crypto-shred every conversation of one end user");
  auto t = std::make_shared<store_target>();
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  sub->add_option("tenant", args->first, "Tenant id")->required();
  sub->add_option("user", args->second, "The end user's id as the channel bound it (e.g. dl_...)")->required();
  add_store_target(sub, *t);
  return [t, args] {
    return with_store(*t, false, [args](const settings&, store::encrypted_store& st) {
      auto n = run_sync(st.erase_user(args->first, args->second));
      if (!n) return report("erase-user", n.error());
      // The user id is not echoed: it identifies a person.
      std::printf("erased %zu conversation(s) of that user in tenant %s\n", *n, args->first.c_str());
      return 0;
    });
  };
}

command add_purge(CLI::App& group) {
  auto* sub = group.add_subcommand("purge", "Erase conversations idle longer than their tenant's retention");
  auto t = std::make_shared<store_target>();
  auto tenant = std::make_shared<std::string>();
  sub->add_option("--tenant", *tenant, "Only this tenant");
  add_store_target(sub, *t);
  return [t, tenant] {
    return with_store(*t, false, [tenant](const settings& s, store::encrypted_store& st) {
      std::vector<std::string> tenants{*tenant};
      if (tenant->empty()) {
        auto all = run_sync(st.list_tenants());
        if (!all) return report("purge", all.error());
        tenants = std::move(*all);
      }
      const auto now = core::system_clock().now();
      int status = 0;
      for (const auto& id : tenants) {
        const auto keep = s.store.retention_for(id);
        if (keep.count() == 0) {
          std::printf("tenant %s: no retention configured, nothing purged\n", id.c_str());
          continue;
        }
        const auto cutoff = now - keep;
        auto n = run_sync(st.purge(id, cutoff));
        if (!n) {
          status = report("purge", n.error());
          continue;
        }
        std::printf("tenant %s: purged %zu conversation(s) idle since before %s\n", id.c_str(), *n,
                    iso8601(cutoff).c_str());
      }
      return status;
    });
  };
}

}  // namespace

command add_store(CLI::App& app) {
  auto* group = app.add_subcommand("store", "Operate the encrypted conversation store");
  group->require_subcommand(1);
  auto commands = std::make_shared<std::map<const CLI::App*, command>>();
  auto add = [&](auto factory) {
    auto cmd = factory(*group);
    commands->emplace(group->get_subcommands({}).back(), std::move(cmd));
  };
  add(add_migrate);
  add(add_store_restore);
  add(add_erase_conversation);
  add(add_erase_user);
  add(add_purge);
  return [group, commands] {
    for (const auto* sub : group->get_subcommands()) return commands->at(sub)();
    return 1;
  };
}

}  // namespace parley::app
