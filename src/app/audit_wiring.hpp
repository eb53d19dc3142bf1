// Builds the audit log (the composition root's job) for the services and for `parley audit`:
// the checkpoint signing keys of [audit] key_file, wrapped by the root key, and audit::log over
// the encrypted store's audit_store. Services reach the log through service_context::audit.
#pragma once

#include "settings.hpp"

#include <parley/audit/log.hpp>
#include <parley/jose/jwk.hpp>
#include <parley/store/audit_store.hpp>

#include <memory>

namespace boost::asio {
class io_context;
}

namespace parley::app {

struct audit_plan {
  audit::options audit;                       ///< [audit], key_file resolved
  crypto::options crypto;                     ///< the root key that wraps the signing keys
  std::shared_ptr<store::audit_store> store;  ///< the opened encrypted store
};

/// The plan of settings `s` (paths resolved by load_settings / demo_settings) over `store`.
[[nodiscard]] audit_plan make_audit_plan(const settings& s, std::shared_ptr<store::audit_store> store);

/// The audit log and what it uses, alive for the whole run (declare it before the server).
class audit_runtime {
 public:
  /// Opens the key file (`signing`: creating the checkpoint key on first use; otherwise only
  /// reading it, for verification) and the log. On failure prints one line to stderr, nullptr.
  [[nodiscard]] static std::unique_ptr<audit_runtime> create(audit_plan plan, bool signing = true);
  ~audit_runtime();

  [[nodiscard]] audit::log& log() { return *log_; }
  [[nodiscard]] store::audit_store& store() { return *plan_.store; }
  [[nodiscard]] jose::signing_key_store& keys() { return *keys_; }
  /// The public keys that verify checkpoints (empty when the file has none).
  [[nodiscard]] jose::jwks checkpoint_keys() const;

  /// Starts checkpointing uncovered tails every half checkpoint_interval on `io` (services).
  void start_timer(boost::asio::io_context& io);
  /// Stops the timer and checkpoints every tail this process wrote (graceful stop).
  boost::asio::awaitable<void> stop();

 private:
  audit_runtime() = default;
  struct ticker;
  audit_plan plan_;
  std::unique_ptr<jose::key_wrapper> wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
  std::unique_ptr<audit::log> log_;
  std::shared_ptr<ticker> ticker_;
};

}  // namespace parley::app
