#include <parley/bus/error.hpp>

#include <string>

namespace parley::bus {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.bus"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unavailable:
        return "the message broker is unavailable or did not confirm in time";
      case errc::overloaded:
        return "too many messages are waiting for the broker (back-pressure): retry later";
      case errc::too_large:
        return "the message is larger than the bus allows (max_message_bytes)";
      case errc::invalid_argument:
        return "invalid topic, subscription or node name, or a missing field";
      case errc::unauthorized:
        return "the broker refused the credentials or the link";
      case errc::rejected:
        return "the broker refused the message";
      case errc::not_found:
        return "the broker has no such exchange, queue, topic or subscription";
      case errc::stopped:
        return "the bus is stopped";
      case errc::bad_message:
        return "a received message could not be decoded or authenticated";
    }
    return "unknown bus error";
  }
};

}  // namespace

const boost::system::error_category& bus_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace parley::bus
