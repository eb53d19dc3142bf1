#include <parley/crypto/error.hpp>
#include <parley/crypto/options.hpp>

#include <limits>

namespace parley::crypto {

options parse_options(core::config_section s) {
  options o;
  o.root_key_file = s.string("root_key_file", o.root_key_file);
  o.root_key_env = s.string("root_key_env", o.root_key_env);
  o.root_key_version = static_cast<std::uint32_t>(
      s.integer("root_key_version", o.root_key_version, 1, std::numeric_limits<std::uint32_t>::max()));
  o.erasure_secrets_file = s.string("erasure_secrets_file", o.erasure_secrets_file);
  if (!o.root_key_file.empty() && !o.root_key_env.empty()) {
    s.error("root_key_env", "set either root_key_file or root_key_env, not both");
  }
  s.finish();
  return o;
}

result<root_key> load_root_key(const options& opts, const core::env_map& env) {
  if (!opts.root_key_file.empty()) return root_key::load_file(opts.root_key_file, opts.root_key_version);
  if (opts.root_key_env.empty()) return errc::invalid_argument;
  const auto it = env.find(opts.root_key_env);
  if (it == env.end()) return errc::malformed;
  return root_key::from_base64url(it->second, opts.root_key_version);
}

}  // namespace parley::crypto
