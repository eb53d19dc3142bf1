#include <parley/net/static_files.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace parley::net {
namespace {

namespace fs = std::filesystem;

response run(const handler& h, std::string tail, std::optional<std::string> if_none_match = std::nullopt) {
  boost::asio::io_context io;
  response out;
  request req;
  req.path_params.add("path", std::move(tail));
  if (if_none_match) req.headers.add("If-None-Match", *if_none_match);
  boost::asio::co_spawn(io, h(req), [&](std::exception_ptr e, response r) {
    if (e) std::rethrow_exception(e);
    out = std::move(r);
  });
  io.run();
  return out;
}

class static_files_test : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("parley-static-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "site" / "sub");
    write(base_ / "site" / "index.html", "<h1>home</h1>");
    write(base_ / "site" / "app.js", "console.log(1)");
    write(base_ / "site" / "sub" / "page.html", "<p>sub</p>");
    write(base_ / "site" / ".env", "SECRET=1");
    write(base_ / "outside.txt", "outside");
    fs::create_symlink(base_ / "outside.txt", base_ / "site" / "escape.txt");
    fs::create_symlink(base_ / "site" / "app.js", base_ / "site" / "alias.js");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  handler make(static_options o = {}) {
    auto h = static_files(base_ / "site", std::move(o));
    EXPECT_TRUE(h.has_value());
    return *h;
  }
  fs::path base_;
};

TEST_F(static_files_test, serves_files_with_their_types) {
  const auto h = make();
  auto r = run(h, "app.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache");
  EXPECT_TRUE(r.headers.contains("ETag"));
  r = run(h, "sub/page.html");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<p>sub</p>");
}

TEST_F(static_files_test, directory_serves_its_index) {
  const auto r = run(make(), "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  EXPECT_EQ(r.headers.get("Content-Type"), "text/html; charset=utf-8");
}

TEST_F(static_files_test, traversal_and_hidden_files_are_not_found) {
  const auto h = make();
  for (const std::string tail : {"../outside.txt", "sub/../../outside.txt", "..", ".", "./app.js", ".env", "sub//page.html",
                                 "sub\\..\\..\\outside.txt", "/etc/passwd", "missing.js", "sub"}) {
    const auto r = run(h, tail);
    EXPECT_EQ(r.status, 404) << tail;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << tail;
  }
}

TEST_F(static_files_test, symlinks_may_not_leave_the_root) {
  const auto h = make();
  EXPECT_EQ(run(h, "escape.txt").status, 404);
  EXPECT_EQ(run(h, "alias.js").status, 200);  // inside the root: fine
}

TEST_F(static_files_test, etag_revalidation_gives_304) {
  const auto h = make();
  const auto first = run(h, "app.js");
  const std::string etag(*first.headers.get("ETag"));
  const auto again = run(h, "app.js", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(run(h, "app.js", "\"other\"").status, 200);
}

TEST_F(static_files_test, html_csp_and_size_cap) {
  static_options o;
  o.html_csp = "default-src 'self'; connect-src 'self' http://127.0.0.1:8401";
  o.max_file_bytes = 12;
  const auto h = make(o);
  EXPECT_EQ(run(h, "index.html").status, 404);  // 13 bytes > 12
  EXPECT_EQ(run(h, "sub/page.html").headers.get("Content-Security-Policy"), o.html_csp);
  EXPECT_FALSE(run(h, "sub/page.html").headers.get("Content-Security-Policy") == std::nullopt);
}

TEST_F(static_files_test, missing_root_is_an_error) {
  EXPECT_FALSE(static_files(base_ / "nope").has_value());
  EXPECT_FALSE(static_files(base_ / "outside.txt").has_value());
}

TEST(content_type, known_and_unknown) {
  EXPECT_EQ(content_type_for("a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("x.wasm"), "application/wasm");
  EXPECT_EQ(content_type_for("README"), "application/octet-stream");
  EXPECT_EQ(content_type_for(".js"), "application/octet-stream");
}

}  // namespace
}  // namespace parley::net
