#include <parley/core/base64.hpp>

#include <gtest/gtest.h>

namespace parley::core {
namespace {

TEST(Base64Url, Rfc4648Vectors) {
  EXPECT_EQ(base64url_encode(std::string_view("")), "");
  EXPECT_EQ(base64url_encode(std::string_view("f")), "Zg");
  EXPECT_EQ(base64url_encode(std::string_view("fo")), "Zm8");
  EXPECT_EQ(base64url_encode(std::string_view("foo")), "Zm9v");
  EXPECT_EQ(base64url_encode(std::string_view("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode(std::string_view("\xfb\xff")), "-_8");
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    auto enc = base64url_encode(data);
    auto dec = base64url_decode_string(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, data);
    data += static_cast<char>(i * 37);
  }
}

TEST(Base64Url, RefusesPaddingForeignCharactersAndBadLengths) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm9v+"));
  EXPECT_FALSE(base64url_decode("Zm9v/"));
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm 9v"));
}

TEST(Base64Url, RefusesNonCanonicalTrailingBits) {
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_FALSE(base64url_decode("Zh"));  // same byte 'f' with a stray low bit
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode("Zm9"));
}

TEST(Base64, StandardWithPadding) {
  const std::string s = "any carnal pleas";
  const auto enc = base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  EXPECT_EQ(enc, "YW55IGNhcm5hbCBwbGVhcw==");
  auto dec = base64_decode(enc);
  ASSERT_TRUE(dec);
  EXPECT_EQ(std::string(dec->begin(), dec->end()), s);
  EXPECT_FALSE(base64_decode("YW55IGNhcm5hbCBwbGVhcw="));
}

TEST(Hex, Encodes) {
  const std::uint8_t b[] = {0x00, 0xab, 0xff};
  EXPECT_EQ(hex_encode(b), "00abff");
}

}  // namespace
}  // namespace parley::core
