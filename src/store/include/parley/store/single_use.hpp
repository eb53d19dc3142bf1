// Single use of a credential across every process on one database (issue 15): a channel node
// records a stream token's id here when the token is redeemed, so that the same token presented to
// another node behind the load balancer is refused (SECURITY.md promise 2 across nodes).
//
// A use is recorded in its conversation (keyed hash of the id, nothing in clear): it goes when the
// conversation is erased or purged, and needs no expiry of its own (one small row per redemption).
// Uses of one conversation are serialised by the database's lock on the conversation's row, so two
// nodes redeeming one token at the same moment get exactly one `true`.
// Errors: errc::not_found (no such conversation), errc::unavailable (the database); the caller
// refuses the credential then (fail closed).
// Thread-safety: implementations may be called from any thread.
#pragma once

#include <parley/store/conversation_store.hpp>

#include <boost/asio/awaitable.hpp>

#include <string>

namespace parley::store {

class single_use_store {
 public:
  virtual ~single_use_store() = default;
  /// true when `use_id` (≤ 256 bytes, never empty) was not used before in this conversation,
  /// and records it; false when it was.
  virtual boost::asio::awaitable<result<bool>> use_once(std::string tenant_id, std::string conversation_id,
                                                        std::string use_id) = 0;
};

}  // namespace parley::store
