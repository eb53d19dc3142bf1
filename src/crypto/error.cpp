#include <parley/crypto/error.hpp>

#include <string>

namespace parley::crypto {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.crypto"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::authentication_failed: return "authentication failed (tampered data, wrong key or wrong context)";
      case errc::malformed: return "malformed sealed data or key file";
      case errc::unsupported_format: return "unsupported sealed data format";
      case errc::key_mismatch: return "sealed under a different key id or version";
      case errc::key_exhausted: return "key use limit reached; rotate the key";
      case errc::key_destroyed: return "key destroyed";
      case errc::wrong_root_key: return "wrong root key (key check value does not match)";
      case errc::too_large: return "too large";
      case errc::insecure_file: return "key file permissions too open (must be 0600 or stricter)";
      case errc::already_exists: return "already exists; refusing to overwrite";
      case errc::io_error: return "i/o error";
      case errc::secure_memory_exhausted: return "protected memory exhausted";
      case errc::internal: return "internal cryptographic failure";
    }
    return "unknown crypto error";
  }
};

}  // namespace

const boost::system::error_category& crypto_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::crypto
