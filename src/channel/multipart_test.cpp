#include "multipart.hpp"
#include "url_util.hpp"

#include <gtest/gtest.h>

namespace parley::channel {
namespace {

// What a browser's FormData looks like on the wire (directlinejs' upload).
const std::string body =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"activity\"; filename=\"blob\"\r\n"
    "Content-Type: application/vnd.microsoft.activity\r\n\r\n"
    "{\"type\":\"message\",\"attachments\":[{\"contentType\":\"image/png\",\"name\":\"a.png\"}]}\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"x\\\".png\"\r\n"
    "Content-Type: image/png\r\n\r\n"
    "\x89PNG\r\n--XY not the boundary\r\n"
    "--XyZ--\r\n";

TEST(Multipart, ParsesDirectlinejsUploads) {
  const auto boundary = multipart_boundary("multipart/form-data; boundary=XyZ");
  ASSERT_TRUE(boundary);
  auto parts = parse_multipart(body, *boundary, 10);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "activity");
  EXPECT_EQ((*parts)[0].content_type, "application/vnd.microsoft.activity");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "a \"x\".png");
  EXPECT_EQ((*parts)[1].content_type, "image/png");
  EXPECT_EQ((*parts)[1].body, "\x89PNG\r\n--XY not the boundary");
}

TEST(Multipart, RefusesMalformedBodies) {
  EXPECT_FALSE(multipart_boundary("application/json"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  EXPECT_FALSE(parse_multipart(body, "XyZ", 1));                                  // too many parts
  EXPECT_FALSE(parse_multipart(body.substr(0, body.size() - 9), "XyZ", 10));      // no closing delimiter
  EXPECT_FALSE(parse_multipart("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", "XyZ", 10));  // no disposition
  EXPECT_FALSE(parse_multipart("--XyZ\r\nContent-Disposition: attachment\r\n\r\nx\r\n--XyZ--", "XyZ", 10));
  EXPECT_FALSE(parse_multipart("no delimiter at all", "XyZ", 10));
  EXPECT_FALSE(parse_multipart("--XyZ\r\nContent-Disposition: form-data; name=a\r\n" + std::string(5000, 'h') +
                                   "\r\n\r\nx\r\n--XyZ--",
                               "XyZ", 10));
  auto empty = parse_multipart("--XyZ--\r\n", "XyZ", 10);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Multipart, MediaTypesAndParameters) {
  EXPECT_EQ(media_type(" Image/PNG ; charset=x"), "image/png");
  EXPECT_EQ(header_parameter("form-data; name=\"file\"; filename=\"a;b.png\"", "filename"), "a;b.png");
  EXPECT_EQ(header_parameter("form-data; NAME=file", "name"), "file");
  EXPECT_FALSE(header_parameter("form-data", "name"));
}

TEST(UrlUtil, BaseUrlsOriginsAndForms) {
  EXPECT_TRUE(parse_base_url("https://chat.bank.example"));
  EXPECT_TRUE(parse_base_url("http://127.0.0.1:8401/prefix")->loopback);
  EXPECT_TRUE(parse_base_url("http://[::1]:3978/api/messages")->loopback);
  EXPECT_TRUE(parse_base_url("http://localhost:3978/api/messages")->loopback);
  EXPECT_FALSE(parse_base_url("http://bot.example/api")->loopback);
  EXPECT_FALSE(parse_base_url("ftp://x"));
  EXPECT_FALSE(parse_base_url("https://user@host/"));
  EXPECT_FALSE(parse_base_url("https://host:99999/"));
  EXPECT_FALSE(parse_base_url("https://host/?q=1"));
  EXPECT_FALSE(parse_base_url("https://"));
  EXPECT_TRUE(valid_origin("https://www.bank.example"));
  EXPECT_TRUE(valid_origin("http://localhost:8080"));
  EXPECT_FALSE(valid_origin("https://www.bank.example/"));
  EXPECT_FALSE(valid_origin("null"));
  EXPECT_TRUE(is_loopback_peer("127.0.0.1"));
  EXPECT_TRUE(is_loopback_peer("::1"));
  EXPECT_TRUE(is_loopback_peer("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback_peer("10.0.0.1"));
  auto form = parse_form("grant_type=client_credentials&scope=https%3A%2F%2Fchat%2F.default&client_secret=a+b%2Bc&x");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 4u);
  EXPECT_EQ((*form)[1].second, "https://chat/.default");
  EXPECT_EQ((*form)[2].second, "a b+c");
  EXPECT_EQ((*form)[3].first, "x");
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("a=%0"));
  EXPECT_FALSE(parse_form("a=%00"));
  EXPECT_EQ(url_encode("a b/c|d"), "a%20b%2Fc%7Cd");
  // Dot-segments are escaped whole (issue 14): as a path segment they would remove a level.
  EXPECT_EQ(url_encode(".."), "%2E%2E");
  EXPECT_EQ(url_encode("."), "%2E");
  EXPECT_EQ(url_encode("..."), "...");
  EXPECT_EQ(url_encode("a..b"), "a..b");
}

}  // namespace
}  // namespace parley::channel
