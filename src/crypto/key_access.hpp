// Private: the hierarchy functions' access to key bytes that the public types never expose.
#pragma once

#include <parley/crypto/aead.hpp>
#include <parley/crypto/erasure_secrets.hpp>
#include <parley/crypto/key_hierarchy.hpp>
#include <parley/crypto/root_key.hpp>

namespace parley::crypto::detail {

struct key_access {
  static std::span<const std::uint8_t> root_bytes(const root_key& root);
  static const secure_buffer* erasure_secret(const erasure_secrets& s, std::string_view tenant, std::uint32_t version);
  static aead_key& aead(const tenant_key& k) { return *k.key_; }
  static tenant_key make_tenant_key(aead_key key) { return tenant_key(std::move(key)); }
};

}  // namespace parley::crypto::detail
