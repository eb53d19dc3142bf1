// Associated data, record sealing, input checks and cursors (record_format.hpp).
#include "record_format.hpp"

#include <parley/core/base64.hpp>
#include <parley/crypto/aead.hpp>

#include <gtest/gtest.h>

#include <set>

namespace parley::store::detail {
namespace {

record_place base() { return {record_kind::activity_body, "bankx", "c1", 7, "a1", 1, "extra"}; }

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
