// `parley keys rotate-root` and `parley keys rotate-tenant TENANT`: rotation of the store's key
// hierarchy by re-wrapping (docs/adr/0003, docs/adr/0005). Registered in the `keys` group.
// rotate-root also re-wraps the signing-key files ([jose] key_file, [audit] key_file): staged
// beside them before the store rotates, renamed over them once it has.
#include "cmd_keys_store.hpp"

#include "root_key_wrapper.hpp"
#include "store_cli.hpp"

#include <parley/core/base64.hpp>

namespace parley::app {
namespace {

namespace fs = std::filesystem;

// The signing-key files wrapped by the root key: [jose] key_file (relative to the configuration's
// directory; the demo's in its data directory) and the audit log's [audit] key_file.
std::vector<fs::path> wrapped_key_files(const store_target& t, const settings& s) {
  std::vector<fs::path> out;
  const fs::path jose_file(t.data_dir.empty() ? s.jose.key_file : "signing-keys.json");
  const fs::path base = t.data_dir.empty() ? fs::path(t.config).parent_path() : fs::path(t.data_dir);
  out.push_back(jose_file.is_absolute() ? jose_file : base / jose_file);
  out.emplace_back(s.audit.key_file);  // resolved by load_settings / demo_settings
  return out;
}

// Re-wraps each existing key file under `next` into "<file>.rotating", before the store rotates:
// a key file that cannot be re-wrapped stops the rotation having changed nothing.
std::optional<std::vector<std::pair<fs::path, fs::path>>> prepare_key_files(const std::vector<fs::path>& files,
                                                                            const settings& s,
                                                                            const fs::path& next_file,
                                                                            std::uint32_t next_version) {
  std::vector<std::pair<fs::path, fs::path>> staged;
  auto old_root = crypto::load_root_key(s.crypto, core::process_environment());
  auto new_root = crypto::root_key::load_file(next_file, next_version);
  if (!old_root || !new_root) return std::nullopt;
  root_key_wrapper from(std::make_shared<const crypto::root_key>(std::move(*old_root)));
  root_key_wrapper to(std::make_shared<const crypto::root_key>(std::move(*new_root)));
  for (const auto& f : files) {
    if (!fs::exists(fs::symlink_status(f))) continue;
    const fs::path staging = f.string() + ".rotating";
    jose::key_store_options o;
    o.file = f;
    if (auto ec = jose::signing_key_store::rewrap_file(o, from, to, staging)) {
      std::fprintf(stderr, "parley: keys rotate-root: signing key file %s: %s; nothing was changed\n", f.c_str(),
                   ec.message().c_str());
      std::error_code ignored;
      for (const auto& entry : staged) fs::remove(entry.second, ignored);
      fs::remove(staging, ignored);
      return std::nullopt;
    }
    staged.emplace_back(f, staging);
  }
  return staged;
}

}  // namespace

command add_keys_rotate_root(CLI::App& keys) {
  auto* sub = keys.add_subcommand("rotate-root",
                                  "Re-wrap every tenant key under a new root key (created if the file does not exist)");
  auto t = std::make_shared<store_target>();
  auto file = std::make_shared<std::string>();
  auto version = std::make_shared<std::uint32_t>(0);
  sub->add_option("--new-root-key-file", *file, "The new root key (32 bytes, mode 0600); created if absent")
      ->required();
  sub->add_option("--new-version", *version, "Its version (default: the current version + 1)");
  add_store_target(sub, *t);
  return [t, file, version] {
    return with_store(*t, false, [t, file, version](const settings& s, store::encrypted_store& st) {
      const std::uint32_t next_version = *version != 0 ? *version : s.crypto.root_key_version + 1;
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
      auto staged = prepare_key_files(wrapped_key_files(*t, s), s, *file, next_version);
      if (!staged) return 1;
      auto r = run_sync(st.rotate_root_key(std::move(*next)));
      if (!r) {
        std::error_code ignored;
        for (const auto& entry : *staged) fs::remove(entry.second, ignored);
        std::fprintf(stderr, "parley: keys rotate-root: %s; nothing was changed\n", r.error().message().c_str());
        return 1;
      }
      // The store is rotated: the key files follow (each rename is atomic).
      for (const auto& [f, tmp] : *staged) {
        std::error_code ec;
        fs::rename(tmp, f, ec);
        if (ec) {
          std::fprintf(stderr,
                       "parley: keys rotate-root: the store is rotated but %s could not replace %s: rename it "
                       "by hand\n",
                       tmp.c_str(), f.c_str());
          return 1;
        }
      }
      std::printf(
          "root key rotated to version %u (key check value %s).\n"
          "Now set [crypto] root_key_file = \"%s\" and root_key_version = %u, restart every node, and destroy the old "
          "key file.\n",
          next_version, core::hex_encode(check).c_str(), file->c_str(), next_version);
      return 0;
    });
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
    return with_store(*t, false, [tenant](const settings&, store::encrypted_store& st) {
      auto v = run_sync(st.rotate_tenant_key(*tenant));
      if (!v) {
        std::fprintf(stderr, "parley: keys rotate-tenant %s: %s\n", tenant->c_str(), v.error().message().c_str());
        return 1;
      }
      std::printf("tenant %s: key rotated to version %u\n", tenant->c_str(), *v);
      return 0;
    });
  };
}

}  // namespace parley::app
