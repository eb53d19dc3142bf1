#include <parley/net/http.hpp>
#include <parley/net/websocket.hpp>

namespace parley::net {

bool websocket::send(std::string text) const {
  const auto core = core_.lock();
  return core && core->send(std::move(text));
}

void websocket::close(std::uint16_t code, std::string reason) const {
  if (const auto core = core_.lock()) core->close(code, std::move(reason));
}

bool websocket::is_open() const noexcept {
  const auto core = core_.lock();
  return core && core->is_open();
}

std::uint64_t websocket::id() const noexcept {
  const auto core = core_.lock();
  return core ? core->id() : 0;
}

std::size_t websocket::queued_bytes() const noexcept {
  const auto core = core_.lock();
  return core ? core->queued_bytes() : 0;
}

websocket_upgrade websocket_upgrade::accept(websocket_hooks hooks) {
  websocket_upgrade u;
  u.hooks_ = std::move(hooks);
  return u;
}

websocket_upgrade websocket_upgrade::reject(response r) {
  websocket_upgrade u;
  u.rejection_ = std::make_unique<response>(std::move(r));
  return u;
}

websocket_upgrade::websocket_upgrade(websocket_upgrade&&) noexcept = default;
websocket_upgrade& websocket_upgrade::operator=(websocket_upgrade&&) noexcept = default;
websocket_upgrade::~websocket_upgrade() = default;

}  // namespace parley::net
