#include "routes_impl.hpp"

namespace bankx {

void add_routes(parley::net::router& routes, std::shared_ptr<bank> b) {
  detail::add_login_routes(routes, b);
  detail::add_account_routes(routes, b);
  if (b->opts().phone_app) detail::add_phone_routes(routes, b);
}

}  // namespace bankx
