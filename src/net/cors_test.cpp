#include <parley/net/cors.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

cors_policy widget_policy() {
  cors_policy p;
  p.allow_origin = allow_origins({"https://bank.example"});
  p.allow_headers = {"authorization", "content-type", "x-ms-bot-agent"};
  p.max_age = std::chrono::seconds{300};
  return p;
}

const std::vector<method> get_post{method::get, method::post};

TEST(cors, preflight_allowed_for_listed_origin_method_and_headers) {
  const auto d = evaluate_preflight(widget_policy(), "https://bank.example", "POST", "Authorization, Content-Type",
                                    get_post);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Origin"), "https://bank.example");
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Headers"), "authorization, content-type, x-ms-bot-agent");
  EXPECT_EQ(d.headers.get("Access-Control-Max-Age"), "300");
  EXPECT_FALSE(d.headers.contains("Access-Control-Allow-Credentials"));
  EXPECT_TRUE(d.headers.get("Vary")->find("Origin") != std::string_view::npos);
}

TEST(cors, preflight_refused_for_unlisted_origin) {
  const auto d = evaluate_preflight(widget_policy(), "https://evil.example", "POST", "", get_post);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.headers.contains("Access-Control-Allow-Origin"));
}

TEST(cors, origin_compare_is_exact) {
  EXPECT_FALSE(evaluate_preflight(widget_policy(), "https://bank.example.evil", "GET", "", get_post).allowed);
  EXPECT_FALSE(evaluate_preflight(widget_policy(), "HTTPS://BANK.EXAMPLE", "GET", "", get_post).allowed);
  EXPECT_FALSE(evaluate_preflight(widget_policy(), "null", "GET", "", get_post).allowed);
}

TEST(cors, preflight_refused_for_method_the_route_does_not_serve) {
  EXPECT_FALSE(evaluate_preflight(widget_policy(), "https://bank.example", "DELETE", "", get_post).allowed);
  EXPECT_FALSE(evaluate_preflight(widget_policy(), "https://bank.example", "BREW", "", get_post).allowed);
}

TEST(cors, preflight_refused_for_unlisted_header_but_safelisted_are_fine) {
  EXPECT_FALSE(evaluate_preflight(widget_policy(), "https://bank.example", "GET", "x-secret-thing", get_post).allowed);
  EXPECT_TRUE(evaluate_preflight(widget_policy(), "https://bank.example", "GET", "accept, accept-language", get_post)
                  .allowed);
}

TEST(cors, dynamic_callback_decides_per_request) {
  int calls = 0;
  cors_policy p = widget_policy();
  p.allow_origin = [&](std::string_view o) {
    ++calls;
    return o.ends_with(".bank.example");
  };
  EXPECT_TRUE(evaluate_actual(p, "https://chat.bank.example").allowed);
  EXPECT_FALSE(evaluate_actual(p, "https://other.example").allowed);
  EXPECT_EQ(calls, 2);
}

TEST(cors, credentials_header_when_asked) {
  cors_policy p = widget_policy();
  p.allow_credentials = true;
  p.expose_headers = {"Retry-After"};
  const auto d = evaluate_actual(p, "https://bank.example");
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Origin"), "https://bank.example");
  EXPECT_EQ(d.headers.get("Access-Control-Expose-Headers"), "Retry-After");
  EXPECT_EQ(d.headers.get("Vary"), "Origin");
}

TEST(cors, actual_request_from_unlisted_origin_gets_no_cors_headers) {
  const auto d = evaluate_actual(widget_policy(), "https://evil.example");
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.headers.contains("Access-Control-Allow-Origin"));
  EXPECT_EQ(d.headers.get("Vary"), "Origin");
}

TEST(cors, policy_without_callback_allows_nothing) {
  cors_policy p;
  EXPECT_FALSE(evaluate_actual(p, "https://bank.example").allowed);
  EXPECT_FALSE(evaluate_preflight(p, "https://bank.example", "GET", "", get_post).allowed);
}

}  // namespace
}  // namespace parley::net
