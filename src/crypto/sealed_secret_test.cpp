#include "test_util.hpp"

#include <parley/crypto/error.hpp>
#include <parley/crypto/sealed_secret.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <cstring>
#include <sstream>
#include <type_traits>

namespace parley::crypto {
namespace {

constexpr std::string_view token = "bankx-access-token:7f3a9c0e1d2b4a6f8e0c1b3d5f7a9c2e";
constexpr std::string_view context = "bankx/conv-42/user-7/access-token";

static_assert(!std::is_copy_constructible_v<sealed_secret> && !std::is_copy_assignable_v<sealed_secret>);
static_assert(std::is_nothrow_move_constructible_v<sealed_secret>);
static_assert(!std::is_convertible_v<sealed_secret, std::string> && !std::is_convertible_v<sealed_secret, std::string_view>);
static_assert(!std::is_constructible_v<std::string, sealed_secret>);

// No operator<< exists for sealed_secret.
template <class T, class = void>
struct streamable : std::false_type {};
template <class T>
struct streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>>
    : std::true_type {};
static_assert(!streamable<sealed_secret>::value);

secret_sealer make_sealer(aead_options o = {}) { return std::move(*secret_sealer::create(o)); }

TEST(SealedSecret, RoundTripThroughACallback) {
  auto sealer = make_sealer();
  auto s = sealer.seal(token, context);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->size(), token.size());
  auto seen = s->with_plaintext([](std::string_view t) { return std::string(t) == token; });
  ASSERT_TRUE(seen);
  EXPECT_TRUE(*seen);
  auto v = s->with_plaintext([](std::string_view t) { EXPECT_EQ(t, token); });
  EXPECT_TRUE(v);
  // Opens as often as needed.
  EXPECT_EQ(*s->with_plaintext([](std::string_view t) { return t.size(); }), token.size());
}

TEST(SealedSecret, PlaintextIsNotInTheObjectsBytes) {
  auto sealer = make_sealer();
  auto s = *sealer.seal(token, context);
  const auto needle = test::bytes_of(token.substr(0, 12));
  EXPECT_FALSE(test::contains(s.sealed_bytes(), needle));
  std::vector<std::uint8_t> object(sizeof(s));
  std::memcpy(object.data(), static_cast<const void*>(&s), sizeof(s));
  EXPECT_FALSE(test::contains(object, needle));
}

TEST(SealedSecret, FormatsAsSealed) {
  auto sealer = make_sealer();
  auto s = *sealer.seal(token, context);
  EXPECT_EQ(fmt::format("{}", s), "[sealed]");
  EXPECT_EQ(fmt::format("token={}", s).find(token.substr(0, 8)), std::string::npos);
}

TEST(SealedSecret, PlaintextBufferIsWipedAfterTheCallback) {
  auto sealer = make_sealer();
  auto s = *sealer.seal(token, context);
  const char* seen = nullptr;
  bool protected_memory = false;
  ASSERT_TRUE(s.with_plaintext([&](std::string_view t) {
    seen = t.data();
    protected_memory = CRYPTO_secure_allocated(t.data()) == 1;
  }));
  EXPECT_TRUE(protected_memory);
  std::vector<std::uint8_t> after(token.size());
  ASSERT_TRUE(test::read_own_memory(seen, after.data(), after.size()));
  EXPECT_FALSE(test::contains(after, test::bytes_of(token.substr(16, 16))));
}

TEST(SealedSecret, PlaintextBufferIsWipedWhenTheCallbackThrows) {
  auto sealer = make_sealer();
  auto s = *sealer.seal(token, context);
  const char* seen = nullptr;
  EXPECT_THROW((void)s.with_plaintext([&](std::string_view t) {
    seen = t.data();
    throw std::runtime_error("callback failed");
  }),
               std::runtime_error);
  std::vector<std::uint8_t> after(token.size());
  ASSERT_TRUE(test::read_own_memory(seen, after.data(), after.size()));
  EXPECT_FALSE(test::contains(after, test::bytes_of(token.substr(16, 16))));
}

TEST(SealedSecret, SealedBytesAreWipedOnDestruction) {
  auto sealer = make_sealer();
  const std::uint8_t* address = nullptr;
  std::vector<std::uint8_t> copy;
  {
    auto s = *sealer.seal(token, context);
    address = s.sealed_bytes().data();
    copy.assign(s.sealed_bytes().begin(), s.sealed_bytes().end());
  }
  std::vector<std::uint8_t> after(copy.size());
  ASSERT_TRUE(test::read_own_memory(address, after.data(), after.size()));
  // malloc may reuse the first 16 bytes for its free lists; the ciphertext and tag must be gone.
  EXPECT_FALSE(test::contains(after, std::span(copy).subspan(32, 16)));
  EXPECT_FALSE(test::contains(after, std::span(copy).last(16)));
}

TEST(SealedSecret, MovesCarryTheValueAndEmptyTheSource) {
  auto sealer = make_sealer();
  auto a = *sealer.seal(token, context);
  sealed_secret b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.with_plaintext([](std::string_view) {}).error(), errc::invalid_argument);
  EXPECT_EQ(*b.with_plaintext([](std::string_view t) { return std::string(t); }), token);
}

TEST(SealedSecret, SealerRotatesItsKeyAtTheUseLimitAndOldValuesStillOpen) {
  aead_options o;
  o.max_seals = 2;
  auto sealer = make_sealer(o);
  std::vector<sealed_secret> values;
  for (int i = 0; i < 5; ++i) {
    auto s = sealer.seal(std::string(token) + std::to_string(i), context);
    ASSERT_TRUE(s) << i;
    values.push_back(std::move(*s));
  }
  EXPECT_EQ(sealer.generation(), 3u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(*values[i].with_plaintext([](std::string_view t) { return std::string(t); }),
              std::string(token) + std::to_string(i));
  }
}

TEST(SealedSecret, OversizedSecretsAreRefused) {
  auto sealer = make_sealer();
  EXPECT_EQ(sealer.seal(std::string(64 * 1024 + 1, 'x'), context).error(), errc::too_large);
  auto empty = sealer.seal("", context);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty->with_plaintext([](std::string_view t) { return t.size(); }), 0u);
}

}  // namespace
}  // namespace parley::crypto
