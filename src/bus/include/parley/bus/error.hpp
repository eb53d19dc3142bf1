// The bus's error vocabulary (one errc for parley::bus and its backends).
#pragma once

#include <parley/core/error.hpp>

namespace parley::bus {

enum class errc {
  unavailable = 1,   ///< the broker cannot be reached or did not confirm in time; the bus retries by itself
  overloaded,        ///< back-pressure: too many messages waiting for the broker; retry later
  too_large,         ///< a message over options::max_message_bytes
  invalid_argument,  ///< a bad topic, subscription or node name, or a missing field
  unauthorized,      ///< the broker refused the credentials or a link (SASL, CBS token, permissions)
  rejected,          ///< the broker refused the message (quota, unroutable on brokers that say so)
  not_found,         ///< the broker has no such exchange, queue, topic or subscription
  stopped,           ///< the bus is shutting down or stopped
  bad_message,       ///< a received message could not be decoded or authenticated
};

const boost::system::error_category& bus_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), bus_category()};
}

}  // namespace parley::bus

template <>
struct boost::system::is_error_code_enum<parley::bus::errc> : std::true_type {};
