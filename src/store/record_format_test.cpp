// Associated data, record sealing, input checks and cursors (record_format.hpp).
#include "record_format.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/aead.hpp>

#include <gtest/gtest.h>

#include <set>

namespace parley::store::detail {
namespace {

record_place base() {
  return {record_kind::activity_body, "bankx", "c1", 7, "a1", 1, "extra"};
}

TEST(RecordFormat, AssociatedDataSeparatesEveryField) {
  std::set<std::string> seen;
  auto add = [&](record_place p) { EXPECT_TRUE(seen.insert(associated_data(p)).second); };
  add(base());
  auto p = base();
  p.kind = record_kind::bot_state;
  add(p);
  p = base();
  p.tenant_id = "bankx2";
  add(p);
  p = base();
  p.conversation_id = "c2";
  add(p);
  p = base();
  p.seq = 8;
  add(p);
  p = base();
  p.record_id = "a2";
  add(p);
  p = base();
  p.key_version = 2;
  add(p);
  p = base();
  p.extra = "other";
  add(p);
  // Lengths are prefixed: moving a character from one field to the next is a different place.
  p = base();
  p.tenant_id = "bank";
  p.conversation_id = "xc1";
  add(p);
}

TEST(RecordFormat, ActivityExtraBindsTimestampTypeAndRole) {
  EXPECT_NE(activity_extra(1, "message", "user"), activity_extra(2, "message", "user"));
  EXPECT_NE(activity_extra(1, "message", "user"), activity_extra(1, "message", "bot"));
  EXPECT_NE(activity_extra(1, "messag", "euser"), activity_extra(1, "message", "user"));
}

TEST(RecordFormat, SealedRecordsOpenOnlyInTheirPlace) {
  auto key = crypto::aead_key::generate("k1", 1);
  ASSERT_TRUE(key);
  auto sealed = seal_record(*key, base(), "hello");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(std::string(sealed->begin(), sealed->end()).find("hello"), std::string::npos);
  auto opened = open_record(*key, base(), *sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "hello");
  auto moved = base();
  moved.seq = 8;
  EXPECT_EQ(open_record(*key, moved, *sealed).error(), errc::corrupt);
  auto other = crypto::aead_key::generate("k1", 1);
  EXPECT_EQ(open_record(*other, base(), *sealed).error(), errc::corrupt);
  bytes garbage{1, 2, 3};
  EXPECT_EQ(open_record(*key, base(), garbage).error(), errc::corrupt);
  EXPECT_EQ(open_record(*key, base(), bytes{}).error(), errc::corrupt);
}

TEST(RecordFormat, PaddingHidesLengthsWithinABucket) {
  // Padmé: at most ~12 % over the framed size, and a floor per kind so short texts look alike.
  EXPECT_EQ(padded_size(1, 256), 256u);
  EXPECT_EQ(padded_size(200, 256), 256u);
  for (std::size_t n : {300u, 1000u, 5000u, 100000u, 262144u}) {
    const auto p = padded_size(n, 256);
    EXPECT_GE(p, n + 4);
    EXPECT_LE(p, (n + 4) * 113 / 100) << n;
  }
  // Lengths that differ by a few bytes share a bucket; the bucket count is small.
  EXPECT_EQ(padded_size(1000, 256), padded_size(1010, 256));
  std::set<std::size_t> buckets;
  for (std::size_t n = 1; n <= 262144; n += 97) buckets.insert(padded_size(n, 256));
  EXPECT_LT(buckets.size(), 300u);  // 16 to 32 sizes per doubling

  auto key = crypto::aead_key::generate("k1", 1);
  ASSERT_TRUE(key);
  record_place p{record_kind::activity, "bankx", "c1", 7, "a1", 1, {}};
  auto short_one = seal_padded(*key, p, "hi");
  auto longer = seal_padded(*key, p, std::string(180, 'x'));
  ASSERT_TRUE(short_one && longer);
  EXPECT_EQ(short_one->size(), longer->size());
  EXPECT_EQ(*open_padded(*key, p, *longer), std::string(180, 'x'));
  // A record sealed as another kind does not open as this one.
  auto as_state = p;
  as_state.kind = record_kind::bot_state_padded;
  EXPECT_EQ(open_padded(*key, as_state, *short_one).error(), errc::corrupt);
}

TEST(RecordFormat, RecordPayloadsRoundTripAndRefuseGarbage) {
  std::string body;
  const auto encoded = encode_activity({123456789, "message", "user"}, R"({"text":"hi"})");
  auto h = decode_activity(encoded, body);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->timestamp, 123456789);
  EXPECT_EQ(h->type, "message");
  EXPECT_EQ(h->sender_role, "user");
  EXPECT_EQ(body, R"({"text":"hi"})");
  EXPECT_FALSE(decode_activity(encoded.substr(0, 9), body));

  auto c = decode_conversation(encode_conversation({"dl_user", "bot1", 42}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user_id, "dl_user");
  EXPECT_EQ(c->bot_id, "bot1");
  EXPECT_EQ(c->created, 42);
  EXPECT_FALSE(decode_conversation(encode_conversation({"u", "b", 1}) + "x"));

  auto a = decode_attachment(encode_attachment({"image/png", "cat.png", 1234}));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->content_type, "image/png");
  EXPECT_EQ(a->name, "cat.png");
  EXPECT_EQ(a->size, 1234u);
  EXPECT_FALSE(decode_attachment("\x00"));
}

TEST(RecordFormat, IdsAreShortPrintableAndStartWithALetterOrDigit) {
  EXPECT_TRUE(valid_id("bankx"));
  EXPECT_TRUE(valid_id("Hx3sdKJSD8e5JqgFG1mWK3-eu"));
  EXPECT_TRUE(valid_id("a.b_c:d@e|f-g"));
  EXPECT_TRUE(valid_id(std::string(128, 'a')));
  EXPECT_FALSE(valid_id(std::string(129, 'a')));
  EXPECT_FALSE(valid_id(""));
  EXPECT_FALSE(valid_id("~pseudonym"));
  EXPECT_FALSE(valid_id("-x"));
  EXPECT_FALSE(valid_id("a b"));
  EXPECT_FALSE(valid_id("a'b"));
  EXPECT_FALSE(valid_id(std::string("a\0b", 3)));
  EXPECT_TRUE(valid_token("conv|0000001", 256));
  EXPECT_FALSE(valid_token("a b", 256));
  EXPECT_FALSE(valid_token("", 256));
  EXPECT_FALSE(valid_token("\x7f", 256));
  EXPECT_FALSE(valid_token("abc", 2));
}

TEST(RecordFormat, CursorsRoundTripAndRefuseAnythingElse) {
  const auto c = encode_cursor(1234567890123, "conv-1");
  auto d = decode_cursor(c);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, 1234567890123);
  EXPECT_EQ(d->second, "conv-1");
  EXPECT_TRUE(decode_cursor(encode_cursor(-5, "x")));
  EXPECT_FALSE(decode_cursor("!!"));
  EXPECT_FALSE(decode_cursor(""));
  EXPECT_FALSE(decode_cursor(core::base64url_encode("12")));
  EXPECT_FALSE(decode_cursor(core::base64url_encode(".x")));
  EXPECT_FALSE(decode_cursor(core::base64url_encode("1x.x")));
  EXPECT_FALSE(decode_cursor(core::base64url_encode("1.bad id")));
  EXPECT_FALSE(decode_cursor(std::string(600, 'A')));
}

TEST(RecordFormat, TimesRoundTripToTheNanosecond) {
  const auto t = time_point{} + std::chrono::nanoseconds(1'800'000'000'123'456'789LL);
  EXPECT_EQ(from_nanos(to_nanos(t)), t);
  EXPECT_EQ(to_nanos(time_point{}), 0);
}

}  // namespace
}  // namespace parley::store::detail
