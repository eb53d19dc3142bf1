#include "http_rules.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

namespace parley::net::detail {
namespace {

namespace http = boost::beast::http;

TEST(http_rules, allow_header) {
  EXPECT_EQ(allow_header({method::get, method::head, method::options}), "GET, HEAD, OPTIONS");
  EXPECT_EQ(allow_header({}), "");
}

TEST(http_rules, json_content_types) {
  EXPECT_TRUE(is_json_type("application/json"));
  EXPECT_TRUE(is_json_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_type("application/json ;charset=utf-8"));
  EXPECT_FALSE(is_json_type("application/jsonp"));
  EXPECT_FALSE(is_json_type("text/plain"));
  EXPECT_FALSE(is_json_type(""));
}

TEST(http_rules, origin_form) {
  EXPECT_EQ(origin_form("/a/b?c=1"), "/a/b?c=1");
  EXPECT_EQ(origin_form("http://example.test/a?b=1"), "/a?b=1");
  EXPECT_EQ(origin_form("HTTPS://example.test:8443/x"), "/x");
  EXPECT_EQ(origin_form("http://example.test"), "/");
  EXPECT_EQ(origin_form("http://example.test?q"), "http://example.test?q");
  EXPECT_EQ(origin_form("*"), "*");
}

TEST(http_rules, read_failures_map_to_statuses) {
  const server_options o;
  auto r = refusal_for(http::error::header_limit, false, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, errc::headers_too_large);
  EXPECT_NE(r->message.find("16384"), std::string::npos);
  EXPECT_EQ(refusal_for(http::error::body_limit, false, o)->code, errc::payload_too_large);
  EXPECT_EQ(refusal_for(http::error::bad_method, false, o)->code, errc::bad_syntax);
  EXPECT_EQ(refusal_for(http::error::bad_content_length, false, o)->code, errc::bad_syntax);
  EXPECT_EQ(refusal_for(boost::asio::error::operation_aborted, true, o)->code, errc::request_timeout);
}

TEST(http_rules, nobody_to_answer_when_the_peer_left_or_on_shutdown) {
  const server_options o;
  EXPECT_FALSE(refusal_for(http::error::end_of_stream, false, o));
  EXPECT_FALSE(refusal_for(http::error::partial_message, false, o));
  EXPECT_FALSE(refusal_for(boost::asio::error::operation_aborted, false, o));  // cancelled by shutdown
  EXPECT_FALSE(refusal_for(boost::asio::error::connection_reset, false, o));
}

}  // namespace
}  // namespace parley::net::detail
