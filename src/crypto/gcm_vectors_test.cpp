// Published AES-256-GCM vectors through the private GCM layer that aead_key uses: the McGrew-Viega
// GCM specification test cases 13-16 (the AES-256 ones with 96-bit IVs; 16 has associated data)
// and NIST CAVP gcmEncryptExtIV256.rsp vectors with associated data.
#include "gcm.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <array>

namespace parley::crypto::detail {
namespace {

using test::hex;
using test::unhex;

struct gcm_vector {
  const char* name;
  const char* key;
  const char* iv;
  const char* aad;
  const char* plaintext;
  const char* ciphertext;
  const char* tag;
};

constexpr const char* k_mv = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* p_mv =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
    "b16aedf5aa0de657ba637b39";

const gcm_vector vectors[] = {
    {"McGrew-Viega TC13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"McGrew-Viega TC14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"},
    {"McGrew-Viega TC15", k_mv, "cafebabefacedbaddecaf888", "",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b391aafd255",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
     "c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"McGrew-Viega TC16 (with AAD)", k_mv, "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     p_mv,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
     "c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
    {"CAVP ExtIV256 PT128 AAD128 count 0", "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b",
     "ac93a1a6145299bde902f21a", "1e0889016f67601c8ebea4943bc23ad6", "2d71bcfa914e4ac045b2aa60955fad24",
     "8995ae2e6df3dbf96fac7b7137bae67f", "eca5aa77d51d4a0a14d9c51e1da474ab"},
    {"CAVP ExtIV256 PT0 AAD160 (AAD only)", "886cff5f3e6b8d0e1ad0a38fcdb26de97e8acbe79f6bed66959a598fa5047d65",
     "3a8efa1cd74bbab5448f9945", "519fee519d25c7a304d6c6aa1897ee1eb8c59655", "", "",
     "f6d47505ec96c98a42dc3ae719877b87"},
};

class GcmVectors : public ::testing::TestWithParam<gcm_vector> {};

TEST_P(GcmVectors, SealMatchesPublishedCiphertextAndTag) {
  const auto& v = GetParam();
  const auto key = unhex(v.key);
  const auto iv = unhex(v.iv);
  const auto aad = unhex(v.aad);
  const auto pt = unhex(v.plaintext);
  auto ctx = keyed_ctx(std::span<const std::uint8_t, 32>(key.data(), 32), true);
  ASSERT_TRUE(ctx);
  std::vector<std::uint8_t> ct(pt.size());
  std::array<std::uint8_t, 16> tag{};
  // The AAD is passed in two pieces to show that pieces are simply concatenated.
  const auto split = aad.size() / 2;
  ASSERT_TRUE(gcm_seal(ctx.get(), std::span<const std::uint8_t, 12>(iv.data(), 12),
                       {bytes_view(aad).first(split), bytes_view(aad).subspan(split)}, pt, ct.data(), tag));
  EXPECT_EQ(hex(ct), v.ciphertext);
  EXPECT_EQ(hex(tag), v.tag);
}

TEST_P(GcmVectors, OpenAcceptsPublishedRecordAndRefusesAnyFlippedTagBit) {
  const auto& v = GetParam();
  const auto key = unhex(v.key);
  const auto iv = unhex(v.iv);
  const auto aad = unhex(v.aad);
  const auto ct = unhex(v.ciphertext);
  auto tag = unhex(v.tag);
  auto ctx = keyed_ctx(std::span<const std::uint8_t, 32>(key.data(), 32), false);
  ASSERT_TRUE(ctx);
  std::vector<std::uint8_t> pt(ct.size());
  const std::span<const std::uint8_t, 12> nonce(iv.data(), 12);
  ASSERT_TRUE(gcm_open(ctx.get(), nonce, {aad}, ct, pt.data(), std::span<const std::uint8_t, 16>(tag.data(), 16)));
  EXPECT_EQ(hex(pt), v.plaintext);
  for (std::size_t bit = 0; bit < 128; ++bit) {
    tag[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(gcm_open(ctx.get(), nonce, {aad}, ct, pt.data(), std::span<const std::uint8_t, 16>(tag.data(), 16)));
    tag[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    // The refused open left no plaintext behind.
    EXPECT_TRUE(std::all_of(pt.begin(), pt.end(), [](std::uint8_t b) { return b == 0; }));
  }
}

INSTANTIATE_TEST_SUITE_P(Published, GcmVectors, ::testing::ValuesIn(vectors), [](const auto& param_info) {
  std::string name;
  for (const char c : std::string(param_info.param.name)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
});

}  // namespace
}  // namespace parley::crypto::detail
