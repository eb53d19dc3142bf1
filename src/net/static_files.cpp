#include <parley/core/config.hpp>
#include <parley/net/static_files.hpp>

#include <sys/stat.h>

#include <array>
#include <utility>

namespace parley::net {
namespace {

namespace fs = std::filesystem;

struct static_state {
  fs::path root;  // canonical
  static_options options;
};

// Every segment of the decoded tail must be an ordinary, visible name.
bool safe_tail(std::string_view tail) {
  if (tail.empty()) return true;
  for (;;) {
    const auto slash = tail.find('/');
    const auto seg = tail.substr(0, slash);
    if (seg.empty() || seg.front() == '.' || seg.find_first_of(std::string_view("\\\0:", 3)) != std::string_view::npos) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    tail.remove_prefix(slash + 1);
  }
}

bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin();
  auto q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

response not_found() { return error_response(errc::not_found, "no such resource"); }

response serve(const static_state& st, const request& req) {
  std::string_view tail;
  if (!req.path_params.empty()) tail = std::prev(req.path_params.end())->second;
  if (!safe_tail(tail)) return not_found();
  std::error_code ec;
  fs::path file = st.root / fs::path(tail);
  if (fs::is_directory(file, ec)) file /= st.options.index;
  const fs::path canonical = fs::canonical(file, ec);
  if (ec || !inside(st.root, canonical)) return not_found();
  struct stat info {};
  if (::stat(canonical.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return not_found();
  if (static_cast<std::size_t>(info.st_size) > st.options.max_file_bytes) return not_found();

  const std::string etag = "\"" + std::to_string(info.st_size) + "-" + std::to_string(info.st_mtim.tv_sec) + "." +
                           std::to_string(info.st_mtim.tv_nsec) + "\"";
  response r;
  r.headers.set("ETag", etag);
  r.headers.set("Cache-Control", st.options.cache_control);
  if (req.headers.get("If-None-Match") == std::optional<std::string_view>(etag)) {
    r.status = 304;
    return r;
  }
  auto data = core::read_file(canonical, st.options.max_file_bytes);
  if (!data) return not_found();
  const auto type = content_type_for(canonical.filename().native());
  r.headers.set("Content-Type", std::string(type));
  if (type.starts_with("text/html") && !st.options.html_csp.empty()) {
    r.headers.set("Content-Security-Policy", st.options.html_csp);
  }
  r.body = std::move(*data);
  return r;
}

}  // namespace

std::string_view content_type_for(std::string_view name) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> types = {{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".webp", "image/webp"},
  }};
  for (const auto& [ext, type] : types) {
    if (name.size() > ext.size() && iequals(name.substr(name.size() - ext.size()), ext)) return type;
  }
  return "application/octet-stream";
}

result<handler> static_files(const fs::path& root, static_options options) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical, ec)) return make_error_code(core::errc::io_error);
  auto st = std::make_shared<const static_state>(static_state{std::move(canonical), std::move(options)});
  return handler([st](const request& req) -> boost::asio::awaitable<response> { co_return serve(*st, req); });
}

}  // namespace parley::net
