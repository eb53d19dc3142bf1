// `parley keys rotate-root` and `parley keys rotate-tenant TENANT`: rotation of the store's key
// hierarchy by re-wrapping (docs/adr/0003, docs/adr/0005). Registered in the `keys` group.
#include "cmd_keys_store.hpp"

#include "store_cli.hpp"

#include <parley/core/base64.hpp>

namespace parley::app {

command add_keys_rotate_root(CLI::App& keys) {
  auto* sub = keys.add_subcommand(
      "rotate-root", "Re-wrap every tenant key under a new root key (created if the file does not exist)");
  auto t = std::make_shared<store_target>();
  auto file = std::make_shared<std::string>();
  auto version = std::make_shared<std::uint32_t>(0);
  sub->add_option("--new-root-key-file", *file, "The new root key (32 bytes, mode 0600); created if absent")
      ->required();
  sub->add_option("--new-version", *version, "Its version (default: the current version + 1)");
  add_store_target(sub, *t);
  return [t, file, version] {
    auto s = target_settings(*t);
    if (!s) return 2;
    auto st = open_store(*s, false);
    if (!st) return 1;
    const std::uint32_t next_version = *version != 0 ? *version : s->crypto.root_key_version + 1;
    if (!std::filesystem::exists(std::filesystem::symlink_status(*file))) {
      if (auto c = crypto::root_key::create_file(*file); !c) {
        std::fprintf(stderr, "parley: keys rotate-root: cannot create %s: %s\n", file->c_str(),
                     c.error().message().c_str());
        return 1;
      }
    }
    auto next = crypto::root_key::load_file(*file, next_version);
    if (!next) {
      std::fprintf(stderr, "parley: keys rotate-root: %s: %s\n", file->c_str(), next.error().message().c_str());
      return 1;
    }
    const auto check = next->check_value();
    auto r = run_sync(st->rotate_root_key(std::move(*next)));
    if (!r) {
      std::fprintf(stderr, "parley: keys rotate-root: %s; nothing was changed\n", r.error().message().c_str());
      return 1;
    }
    std::printf(
        "root key rotated to version %u (key check value %s).\n"
        "Now set [crypto] root_key_file = \"%s\" and root_key_version = %u, restart every node, and destroy the old "
        "key file.\n",
        next_version, core::hex_encode(check).c_str(), file->c_str(), next_version);
    return 0;
  };
}

command add_keys_rotate_tenant(CLI::App& keys) {
  auto* sub = keys.add_subcommand("rotate-tenant",
                                  "Make the next version of a tenant's key, re-wrap its data keys, retire the old one");
  auto t = std::make_shared<store_target>();
  auto tenant = std::make_shared<std::string>();
  sub->add_option("tenant", *tenant, "Tenant id")->required();
  add_store_target(sub, *t);
  return [t, tenant] {
    auto s = target_settings(*t);
    if (!s) return 2;
    auto st = open_store(*s, false);
    if (!st) return 1;
    auto v = run_sync(st->rotate_tenant_key(*tenant));
    if (!v) {
      std::fprintf(stderr, "parley: keys rotate-tenant %s: %s\n", tenant->c_str(), v.error().message().c_str());
      return 1;
    }
    std::printf("tenant %s: key rotated to version %u\n", tenant->c_str(), *v);
    return 0;
  };
}

}  // namespace parley::app
