// The desk app (web/desk/dist): its page at /desk/ and its files at /desk/app/, under a strict
// Content-Security-Policy (no inline script or style, connections to this origin only).
#include "service_impl.hpp"

#include <parley/core/config.hpp>
#include <parley/net/static_files.hpp>

#include <filesystem>

namespace parley::desk {

using boost::asio::awaitable;

namespace {

std::string page_csp(const service::impl& d) {
  std::string connect = "'self'";
  const std::string origin = origin_of(d.public_url);
  if (origin.rfind("https://", 0) == 0) connect += " wss://" + origin.substr(8);
  if (origin.rfind("http://", 0) == 0) connect += " ws://" + origin.substr(7);
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src " + connect +
         "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

}  // namespace

void add_app_routes(net::router& r, const std::shared_ptr<service>& desk) {
  auto& d = desk->internals();
  const std::filesystem::path dir = d.opts.app_dir;
  auto page = [desk, dir](const net::request&) -> awaitable<net::response> {
    auto& x = desk->internals();
    auto html = dir.empty() ? result<std::string>(make_error_code(core::errc::io_error))
                            : core::read_file(dir / "index.html", 256 * 1024);
    if (!html) {
      co_return net::html_response(503,
                                   "<!doctype html><title>Parley desk</title><p>The desk app is not built "
                                   "(web/desk: npm run build).</p>");
    }
    auto answer = net::html_response(200, std::move(*html));
    answer.headers.set("Content-Security-Policy", page_csp(x));
    answer.headers.set("Cache-Control", "no-cache");
    answer.headers.set("X-Frame-Options", "DENY");
    co_return answer;
  };
  r.get("/desk", page, {.max_body_bytes = 0});
  if (!dir.empty()) {
    if (auto files = net::static_files(dir)) {
      r.get("/desk/app/{*path}", *files, {.max_body_bytes = 0});
    } else {
      d.log->warn("desk: the app directory {} is not readable; the desk page will say so", dir.string());
    }
  }
}

}  // namespace parley::desk
