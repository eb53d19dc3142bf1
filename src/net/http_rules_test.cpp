#include "http_rules.hpp"

#include <parley/core/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

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

header_view fields(std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
  header_view h;
  for (const auto& [n, v] : list) h.add(n, v);
  return h;
}

// Issue 21, 3 (RFC 9112 §3.2, §6.1, §6.3): framing two servers could read differently.
TEST(http_rules, framing_refusals) {
  const auto status = [](const header_view& h, unsigned version = 11) {
    const auto r = framing_refusal(h, version);
    return r ? http_status(r->code) : 0;
  };
  EXPECT_EQ(status(fields({{"Host", "a"}})), 0);
  EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", "chunked"}})), 0);
  EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", "Chunked"}})), 0);
  EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", " , chunked"}})), 0);  // empty list element
  EXPECT_EQ(status(fields({{"Host", "[::1]:8443"}})), 0);
  EXPECT_EQ(status(fields({{"Host", ""}})), 0);  // allowed when the target has no authority
  EXPECT_EQ(status(fields({}), 10), 0);          // HTTP/1.0 needs no Host
  for (const char* final_not_chunked :
       {"identity", "gzip", "xchunked", "chunked, identity", "chunked;foo=bar", "", "chunked, chunked"}) {
    EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", final_not_chunked}})), 400) << final_not_chunked;
  }
  EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "identity"}})), 400);
  for (const char* unknown_before : {"gzip, chunked", "identity, chunked", "deflate,chunked"}) {
    EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", unknown_before}})), 501) << unknown_before;
  }
  EXPECT_EQ(status(fields({{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}})), 400);
  EXPECT_EQ(status(fields({{"Transfer-Encoding", "chunked"}}), 10), 400);  // HTTP/1.0 has no chunked
  EXPECT_EQ(status(fields({})), 400);                                      // HTTP/1.1 without Host
  EXPECT_EQ(status(fields({{"Host", "a"}, {"host", "b"}})), 400);
  EXPECT_EQ(status(fields({{"Host", "a b"}})), 400);
  EXPECT_EQ(status(fields({{"Host", "a/b"}})), 400);
  EXPECT_EQ(status(fields({{"Host", "a\"b"}})), 400);
}

TEST(http_rules, json_refusal_messages) {
  EXPECT_EQ(json_refusal(core::errc::duplicate_key, 32), "duplicate member in JSON body");
  EXPECT_EQ(json_refusal(core::errc::too_deep, 32), "JSON body nested deeper than 32 levels");
  EXPECT_EQ(json_refusal(core::errc::non_finite_number, 32), "a number in the JSON body is out of range");
  EXPECT_EQ(json_refusal(core::errc::parse_error, 32), "malformed JSON body");
}

TEST(http_rules, a_full_buffer_is_431) {
  const auto r = refusal_for(http::error::buffer_overflow, false, server_options{});
  ASSERT_TRUE(r);
  EXPECT_EQ(http_status(r->code), 431);
}

}  // namespace
}  // namespace parley::net::detail
