#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/crypto/sealed_secret.hpp>

#include <mutex>

namespace parley::crypto {
namespace {

constexpr std::size_t max_secret_size = 64 * 1024;

}  // namespace

sealed_secret::sealed_secret(std::shared_ptr<const aead_key> key, std::vector<std::uint8_t> sealed, std::string context)
    : key_(std::move(key)), sealed_(std::move(sealed)), context_(std::move(context)) {}

sealed_secret::sealed_secret(sealed_secret&& other) noexcept
    : key_(std::move(other.key_)), sealed_(std::move(other.sealed_)), context_(std::move(other.context_)) {
  other.sealed_.clear();
}

sealed_secret& sealed_secret::operator=(sealed_secret&& other) noexcept {
  if (this != &other) {
    wipe();
    key_ = std::move(other.key_);
    sealed_ = std::move(other.sealed_);
    context_ = std::move(other.context_);
    other.sealed_.clear();
  }
  return *this;
}

sealed_secret::~sealed_secret() { wipe(); }

void sealed_secret::wipe() noexcept {
  // The bytes are ciphertext, but nothing of a secret outlives its owner, sealed or not.
  secure_wipe(sealed_);
  secure_wipe(context_);
  sealed_.clear();
}

std::size_t sealed_secret::size() const noexcept {
  auto h = parse_sealed(sealed_);
  return h ? h->plaintext_size : 0;
}

result<secure_buffer> sealed_secret::open_plaintext() const {
  if (!key_ || sealed_.empty()) return errc::invalid_argument;
  return key_->open_secure(sealed_, as_bytes(context_));
}

struct secret_sealer::state {
  aead_options options;
  std::mutex mutex;
  std::shared_ptr<aead_key> current;
  std::uint32_t generation = 0;

  result<void> next_key() {
    auto key = aead_key::generate("sealed-secret", generation + 1, options);
    if (!key) return key.error();
    current = std::make_shared<aead_key>(std::move(*key));
    ++generation;
    return {};
  }
};

secret_sealer::secret_sealer(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
secret_sealer::secret_sealer(secret_sealer&&) noexcept = default;
secret_sealer& secret_sealer::operator=(secret_sealer&&) noexcept = default;
secret_sealer::~secret_sealer() = default;

result<secret_sealer> secret_sealer::create(const aead_options& options) {
  auto s = std::make_unique<state>();
  s->options = options;
  s->options.keep_key_schedule = false;
  s->options.seals_so_far = 0;
  if (auto r = s->next_key(); !r) return r.error();
  return secret_sealer(std::move(s));
}

std::uint32_t secret_sealer::generation() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->generation;
}

result<sealed_secret> secret_sealer::seal(std::string_view plaintext, std::string_view context) {
  if (plaintext.size() > max_secret_size || context.size() > max_associated_data_size) return errc::too_large;
  std::shared_ptr<aead_key> key;
  {
    std::lock_guard lock(state_->mutex);
    key = state_->current;
  }
  auto sealed = key->seal(as_bytes(plaintext), as_bytes(context));
  if (!sealed && sealed.error() == errc::key_exhausted) {
    std::lock_guard lock(state_->mutex);
    if (state_->current == key) {  // another thread may have rotated already
      if (auto r = state_->next_key(); !r) return r.error();
    }
    key = state_->current;
    sealed = key->seal(as_bytes(plaintext), as_bytes(context));
  }
  if (!sealed) return sealed.error();
  return sealed_secret(std::move(key), std::move(*sealed), std::string(context));
}

}  // namespace parley::crypto
