#include <parley/net/router.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

using kind = router::match_result::kind;

handler ok() {
  return [](const request&) -> boost::asio::awaitable<response> { co_return response{}; };
}

router sample() {
  router r;
  r.get("/healthz", ok());
  r.post("/v3/directline/conversations", ok());
  r.get("/v3/directline/conversations/{id}", ok());
  r.get("/v3/directline/conversations/{id}/activities", ok());
  r.post("/v3/directline/conversations/{id}/activities", ok());
  r.get("/v3/directline/conversations/special", ok());
  r.get("/static/{*path}", ok());
  r.get("/", ok());
  return r;
}

TEST(router, matches_literal_path) {
  const auto r = sample();
  const auto m = r.match(method::get, "/healthz");
  EXPECT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.pattern, "/healthz");
  ASSERT_NE(m.target, nullptr);
  EXPECT_EQ(m.target->verb, method::get);
}

TEST(router, root_path) {
  const auto r = sample();
  EXPECT_EQ(r.match(method::get, "/").outcome, kind::found);
  EXPECT_EQ(r.match(method::get, "/").pattern, "/");
}

TEST(router, extracts_and_decodes_path_parameters) {
  const auto r = sample();
  const auto m = r.match(method::post, "/v3/directline/conversations/abc%20def%2Fx/activities");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.pattern, "/v3/directline/conversations/{id}/activities");
  EXPECT_EQ(m.params.get("id"), "abc def/x");  // %2F stays inside the one segment
  EXPECT_EQ(m.params.size(), 1u);
}

TEST(router, unknown_path_is_not_found) {
  const auto r = sample();
  EXPECT_EQ(r.match(method::get, "/nope").outcome, kind::not_found);
  EXPECT_EQ(r.match(method::get, "/v3/directline").outcome, kind::not_found);
  EXPECT_EQ(r.match(method::get, "/v3/directline/conversations/a/b/c").outcome, kind::not_found);
  EXPECT_EQ(r.match(method::get, "/healthz/extra").outcome, kind::not_found);
}

TEST(router, other_method_is_method_not_allowed_with_allowed_list) {
  const auto r = sample();
  const auto m = r.match(method::delete_, "/v3/directline/conversations/x/activities");
  EXPECT_EQ(m.outcome, kind::method_not_allowed);
  EXPECT_EQ(m.pattern, "/v3/directline/conversations/{id}/activities");
  const std::vector<method> expected{method::get, method::post, method::head, method::options};
  EXPECT_EQ(m.allowed, expected);
}

TEST(router, trailing_slash_is_ignored) {
  const auto r = sample();
  EXPECT_EQ(r.match(method::get, "/healthz/").outcome, kind::found);
  EXPECT_EQ(r.match(method::post, "/v3/directline/conversations/").outcome, kind::found);
  const auto m = r.match(method::get, "/v3/directline/conversations/c1/activities/");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.params.get("id"), "c1");
}

TEST(router, empty_segments_do_not_match) {
  const auto r = sample();
  EXPECT_EQ(r.match(method::get, "//healthz").outcome, kind::not_found);
  EXPECT_EQ(r.match(method::get, "/v3/directline/conversations//activities").outcome, kind::not_found);
}

TEST(router, literal_wins_over_parameter) {
  const auto r = sample();
  const auto m = r.match(method::get, "/v3/directline/conversations/special");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.pattern, "/v3/directline/conversations/special");
  EXPECT_TRUE(m.params.empty());
  const auto p = r.match(method::get, "/v3/directline/conversations/other");
  EXPECT_EQ(p.pattern, "/v3/directline/conversations/{id}");
}

TEST(router, backtracks_from_a_literal_dead_end_to_the_parameter) {
  router r;
  r.get("/a/fixed", ok());
  r.get("/a/{x}/tail", ok());
  const auto m = r.match(method::get, "/a/fixed/tail");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.pattern, "/a/{x}/tail");
  EXPECT_EQ(m.params.get("x"), "fixed");
  EXPECT_EQ(m.params.size(), 1u);
}

TEST(router, head_is_served_by_get) {
  const auto r = sample();
  const auto m = r.match(method::head, "/healthz");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.target->verb, method::get);
}

TEST(router, malformed_percent_encoding_is_bad_path) {
  const auto r = sample();
  EXPECT_EQ(r.match(method::get, "/v3/directline/conversations/%zz").outcome, kind::bad_path);
  EXPECT_EQ(r.match(method::get, "/v3/directline/conversations/%4").outcome, kind::bad_path);
  EXPECT_EQ(r.match(method::get, "/v3/directline/conversations/a%00b").outcome, kind::bad_path);
}

TEST(router, tail_parameter_captures_the_rest) {
  const auto r = sample();
  auto m = r.match(method::get, "/static/js/app.js");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.params.get("path"), "js/app.js");
  m = r.match(method::get, "/static/");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.params.get("path"), "");
  m = r.match(method::get, "/static");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_EQ(m.params.get("path"), "");
}

TEST(router, tail_refuses_an_encoded_separator) {
  const auto r = sample();
  EXPECT_EQ(r.match(method::get, "/static/a%2F..%2F..%2Fetc").outcome, kind::not_found);
  EXPECT_EQ(r.match(method::get, "/static/a%5Cb").outcome, kind::not_found);
}

TEST(router, websocket_route_is_a_get_endpoint) {
  router r;
  r.websocket("/stream/{id}", [](const request&) -> boost::asio::awaitable<websocket_upgrade> {
    co_return websocket_upgrade::reject(empty_response(401));
  });
  const auto m = r.match(method::get, "/stream/x");
  ASSERT_EQ(m.outcome, kind::found);
  EXPECT_TRUE(m.target->on_upgrade != nullptr);
  EXPECT_TRUE(m.target->on_request == nullptr);
}

TEST(router, for_each_endpoint_visits_every_registration) {
  std::size_t n = 0;
  sample().for_each_endpoint([&](std::string_view pattern, const router::endpoint&) {
    EXPECT_TRUE(pattern.starts_with('/'));
    ++n;
  });
  EXPECT_EQ(n, 8u);
}

TEST(router_death, registering_twice_is_a_programmer_error) {
  router r;
  r.get("/a", ok());
  EXPECT_DEATH(r.get("/a/", ok()), "route registered twice");
}

TEST(router_death, conflicting_parameter_names_are_a_programmer_error) {
  router r;
  r.get("/a/{x}", ok());
  EXPECT_DEATH(r.get("/a/{y}/b", ok()), "conflicting parameter names");
}

}  // namespace
}  // namespace parley::net
