// What the service desk keeps in the store: consultants' sessions, pending sign-ins and each
// tenant's desk settings. Server-side sessions make any desk node able to serve any session
// (docs/adr/0011-desk-bff.md); this header is the contract between the desk and the store.
//
// Sessions: the store never sees a session id, only `ref`, a hash of it computed by the desk.
// `data` (the desk's JSON: the consultant's claims, the IdP's ID and refresh tokens) is sealed
// with AES-256-GCM under a data key of its own, created with the session and destroyed with it
// (crypto-shredding), with associated data binding it to tenant, ref, subject, IdP session and
// its creation and absolute expiry; a row whose clear columns were changed fails to open and
// reads as errc::corrupt. Settings are sealed the same way under a key per tenant.
// Pending sign-ins hold no secret (hashes and the expected issuer only) and are stored in clear.
//
// Every call names the tenant; a ref of another tenant is "not found".
// Errors: errc::invalid_argument (an id or ref that is empty, too long or not printable ASCII;
// data over 64 KiB), errc::not_found, errc::already_exists, errc::etag_mismatch (settings),
// errc::corrupt, errc::unavailable (backend).
// Thread-safety: every member function may be called concurrently from any thread; calls resume
// on the caller's executor.
#pragma once

#include <parley/store/conversation_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::store {

struct desk_session {
  std::string tenant_id;
  std::string ref;          ///< hash of the session id (the cookie's secret part), base64url
  std::string subject_ref;  ///< the consultant's pseudonymous id (back-channel logout by `sub`)
  std::string sid_ref;      ///< hash of the IdP's session id (`sid`), or empty
  time_point created{};
  time_point last_seen{};    ///< idle timeout counts from here
  time_point expires{};      ///< absolute timeout
  time_point refresh_due{};  ///< when the desk next asks the IdP whether the consultant is still allowed in
  std::string data;          ///< opaque to the store, sealed at rest
};

/// Identifies a session that an operation ended (for audit entries and closing WebSockets).
struct desk_session_key {
  std::string tenant_id;
  std::string ref;
  std::string subject_ref;
};

/// A sign-in between the redirect to the IdP and its callback; single use.
struct desk_login {
  std::string tenant_id;
  std::string ref;          ///< hash of the `state` sent to the IdP
  std::string browser_ref;  ///< hash of the secret in the browser's sign-in cookie
  std::string issuer;       ///< the IdP the state was issued for (mix-up defence)
  time_point expires{};
};

struct desk_settings {
  std::string data;           ///< opaque to the store (the desk's JSON), sealed at rest
  std::uint64_t version = 0;  ///< 1 for the first put; optimistic concurrency
};

class desk_store {
 public:
  virtual ~desk_store() = default;

  /// Stores a new session (and creates its data key). errc::already_exists for a taken ref,
  /// errc::not_found when the tenant was never ensured (conversation_store::ensure_tenant).
  virtual boost::asio::awaitable<result<void>> create_desk_session(desk_session s) = 0;
  /// errc::not_found (absent or erased), errc::corrupt (tampered row).
  virtual boost::asio::awaitable<result<desk_session>> get_desk_session(std::string tenant_id, std::string ref) = 0;
  /// Moves last_seen forward (never back). errc::not_found.
  virtual boost::asio::awaitable<result<void>> touch_desk_session(std::string tenant_id, std::string ref,
                                                                  time_point last_seen) = 0;
  /// Claims the next refresh: sets refresh_due to `next` only if it still equals `expected`
  /// (one desk node refreshes at a time). False when another claim won. errc::not_found.
  virtual boost::asio::awaitable<result<bool>> claim_desk_session_refresh(std::string tenant_id, std::string ref,
                                                                          time_point expected, time_point next) = 0;
  /// Replaces the sealed data (after a refresh). errc::not_found.
  virtual boost::asio::awaitable<result<void>> update_desk_session(std::string tenant_id, std::string ref,
                                                                   std::string data) = 0;
  /// Deletes a session and destroys its key. False when there was none.
  virtual boost::asio::awaitable<result<bool>> delete_desk_session(std::string tenant_id, std::string ref) = 0;
  /// Deletes the sessions of one consultant (`sid_ref` empty) or of one IdP session of theirs
  /// (`subject_ref` empty matches any subject). Returns what it deleted.
  virtual boost::asio::awaitable<result<std::vector<desk_session_key>>> delete_desk_sessions(std::string tenant_id,
                                                                                             std::string subject_ref,
                                                                                             std::string sid_ref) = 0;
  /// Deletes the tenant's sessions past `expires` or not seen since `idle_cutoff`, and its
  /// pending sign-ins past their expiry. Returns the sessions it deleted.
  virtual boost::asio::awaitable<result<std::vector<desk_session_key>>> purge_desk_sessions(std::string tenant_id,
                                                                                            time_point now,
                                                                                            time_point idle_cutoff) = 0;

  /// Stores a pending sign-in. errc::already_exists for a taken ref.
  virtual boost::asio::awaitable<result<void>> put_desk_login(desk_login login) = 0;
  /// Deletes and returns a pending sign-in (whatever its expiry: the caller checks). errc::not_found.
  virtual boost::asio::awaitable<result<desk_login>> take_desk_login(std::string tenant_id, std::string ref) = 0;

  /// The tenant's desk settings; nullopt before the first put.
  virtual boost::asio::awaitable<result<std::optional<desk_settings>>> get_desk_settings(std::string tenant_id) = 0;
  /// Replaces them if the stored version is `expected_version` (nullopt: only if none yet);
  /// otherwise errc::etag_mismatch. Returns the new version. errc::not_found (tenant).
  virtual boost::asio::awaitable<result<std::uint64_t>> put_desk_settings(
      std::string tenant_id, std::string data, std::optional<std::uint64_t> expected_version) = 0;
};

}  // namespace parley::store
