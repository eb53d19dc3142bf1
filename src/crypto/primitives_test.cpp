// Published vectors for SHA-256 (FIPS 180-2), HMAC-SHA256 (RFC 4231) and HKDF-SHA256 (RFC 5869),
// and the behaviour of the helpers around them.
#include "test_util.hpp"

#include <parley/core/testing/fake_random.hpp>
#include <parley/crypto/error.hpp>
#include <parley/crypto/primitives.hpp>

#include <gtest/gtest.h>

namespace parley::crypto {
namespace {

using test::hex;
using test::unhex;

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(HmacSha256, Rfc4231Vectors) {
  const auto key1 = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  EXPECT_EQ(hex(hmac_sha256(key1, as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block size is hashed first.
  const std::vector<std::uint8_t> key6(131, 0xaa);
  EXPECT_EQ(hex(hmac_sha256(key6, as_bytes("Test Using Larger Than Block-Size Key - Hash Key First"))),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

struct hkdf_case {
  const char* ikm;
  const char* salt;
  const char* info;
  std::size_t length;
  const char* okm;
};

TEST(HkdfSha256, Rfc5869Vectors) {
  const hkdf_case cases[] = {
      // A.1: basic
      {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      // A.2: longer inputs and outputs
      {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
       "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
       "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f"
       "909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
       "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
       "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
       82,
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
       "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      // A.3: empty salt and info
      {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
  for (const auto& c : cases) {
    std::vector<std::uint8_t> out(c.length);
    ASSERT_TRUE(hkdf_sha256(unhex(c.ikm), unhex(c.salt), unhex(c.info), out));
    EXPECT_EQ(hex(out), c.okm);
  }
}

TEST(HkdfSha256, RefusesEmptyKeyAndImpossibleLengths) {
  std::vector<std::uint8_t> out(32);
  EXPECT_EQ(hkdf_sha256({}, {}, {}, out).error(), errc::invalid_argument);
  std::vector<std::uint8_t> too_long(255 * 32 + 1);
  EXPECT_EQ(hkdf_sha256(unhex("00"), {}, {}, too_long).error(), errc::invalid_argument);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal(std::string_view("\0x", 2), std::string_view("\0y", 2)));
}

TEST(RandomSecret, FillsProtectedMemoryFromTheSource) {
  core::testing::counter_random rng(7);
  auto s = random_secret(4, rng);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->is_protected());
  EXPECT_EQ(hex(s->bytes()), "0708090a");
  auto a = random_secret(32);
  auto b = random_secret(32);
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(constant_time_equal(a->bytes(), b->bytes()));
}

TEST(SecureWipe, ZeroesSpansAndWholeStrings) {
  std::vector<std::uint8_t> v = {1, 2, 3};
  secure_wipe(v);
  EXPECT_EQ(v, (std::vector<std::uint8_t>{0, 0, 0}));
  std::string s = "a rather long secret that is not in the small-string buffer";
  s.resize(3);
  const char* p = s.data();
  const auto cap = s.capacity();
  secure_wipe(s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.data(), p);  // same storage, now zero over its full capacity
  for (std::size_t i = 0; i < cap; ++i) ASSERT_EQ(p[i], '\0') << i;
}

}  // namespace
}  // namespace parley::crypto
