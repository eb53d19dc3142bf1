#include <parley/net/http.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(http, error_response_has_the_direct_line_shape) {
  const auto r = error_response(errc::not_found, "no such conversation");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers.get("content-type"), "application/json; charset=utf-8");
  const auto v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("error").at("code").as_string(), "NotFound");
  EXPECT_EQ(v.at("error").at("message").as_string(), "no such conversation");
  EXPECT_EQ(v.as_object().size(), 1u);
}

TEST(http, error_response_escapes_and_takes_custom_codes) {
  const auto r = error_response(errc::bad_gateway, "BotError", "bot said \"no\"\n");
  EXPECT_EQ(r.status, 502);
  const auto v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("error").at("code").as_string(), "BotError");
  EXPECT_EQ(v.at("error").at("message").as_string(), "bot said \"no\"\n");
}

TEST(http, status_mapping_is_in_one_table) {
  EXPECT_EQ(http_status(errc::bad_request), 400);
  EXPECT_EQ(http_status(errc::bad_syntax), 400);
  EXPECT_EQ(http_status(errc::unauthorized), 401);
  EXPECT_EQ(http_status(errc::token_expired), 403);
  EXPECT_EQ(error_code_name(errc::token_expired), "TokenExpired");
  EXPECT_EQ(http_status(errc::payload_too_large), 413);
  EXPECT_EQ(http_status(errc::headers_too_large), 431);
  EXPECT_EQ(http_status(errc::too_many_requests), 429);
  EXPECT_EQ(error_code_name(errc::internal_error), "ServiceError");
  EXPECT_EQ(http_status(errc::gateway_timeout), 504);
  EXPECT_EQ(http_status(errc::tls_failed), 502);
  EXPECT_EQ(status_reason(431), "Request Header Fields Too Large");
}

TEST(http, error_codes_have_messages) {
  const auto ec = make_error_code(errc::insecure_listener);
  EXPECT_EQ(ec.category().name(), std::string("parley.net"));
  EXPECT_NE(ec.message().find("loopback"), std::string::npos);
}

TEST(http, json_response_serialises) {
  const auto r = json_response(201, boost::json::value{{"id", "a1"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"id":"a1"})");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json; charset=utf-8");
}

TEST(http, header_map_is_case_insensitive_and_set_replaces) {
  header_map h;
  h.add("Vary", "Origin");
  h.add("vary", "Accept");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.get("VARY"), "Origin");
  h.set("VaRy", "X");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("vary"), "X");
  h.erase("VARY");
  EXPECT_FALSE(h.contains("vary"));
}

TEST(http, header_view_and_request_accessors) {
  request req;
  req.headers.add("Authorization", "Bearer x");
  req.path_params.add("id", "c1");
  EXPECT_EQ(req.headers.get("authorization"), "Bearer x");
  EXPECT_FALSE(req.headers.get("cookie"));
  EXPECT_EQ(req.param("id"), "c1");
  EXPECT_EQ(req.param("nope"), "");
  EXPECT_TRUE(req.json().is_null());
}

TEST(http, methods) {
  EXPECT_EQ(parse_method("GET"), method::get);
  EXPECT_EQ(parse_method("get"), method::other);  // methods are case-sensitive
  EXPECT_EQ(parse_method("DELETE"), method::delete_);
  EXPECT_EQ(method_name(method::delete_), "DELETE");
  EXPECT_TRUE(iequals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(iequals("a", "ab"));
}

}  // namespace
}  // namespace parley::net
