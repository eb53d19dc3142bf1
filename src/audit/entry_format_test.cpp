#include "entry_format.hpp"

#include <gtest/gtest.h>

namespace parley::audit::detail {
namespace {

entry good() {
  return entry{"bankx", "desk.take_over", "c_4f2a", "consultant", "conv-1", "203.0.113.7", R"({"reason":"asked"})"};
}

TEST(AuditEntry, AcceptsAWellFormedEntry) {
  EXPECT_FALSE(check_entry(good()));
  auto e = good();
  e.actor_role = e.subject = e.source = e.details = "";
  EXPECT_FALSE(check_entry(e)) << "only tenant, event and actor are required";
  e.subject = "Überweisung \xe2\x82\xac";  // UTF-8 is fine
  EXPECT_FALSE(check_entry(e));
}

TEST(AuditEntry, RefusesEveryBrokenRule) {
  auto refused = [](auto change) {
    auto e = good();
    change(e);
    return check_entry(e) == errc::invalid_argument;
  };
  EXPECT_TRUE(refused([](entry& e) { e.tenant_id.clear(); }));
  EXPECT_TRUE(refused([](entry& e) { e.event.clear(); }));
  EXPECT_TRUE(refused([](entry& e) { e.actor.clear(); }));
  EXPECT_TRUE(refused([](entry& e) { e.event = "desk view"; }));
  EXPECT_TRUE(refused([](entry& e) { e.event = "desk/view"; }));
  EXPECT_TRUE(refused([](entry& e) { e.actor = std::string(max_field_size + 1, 'a'); }));
  EXPECT_TRUE(refused([](entry& e) { e.subject = std::string(max_field_size + 1, 'a'); }));
  EXPECT_TRUE(refused([](entry& e) { e.source = "line\nbreak"; }));
  EXPECT_TRUE(refused([](entry& e) { e.actor_role = std::string("nul\0x", 5); }));
  EXPECT_TRUE(refused([](entry& e) { e.subject = "\xc3\x28"; }));      // invalid UTF-8
  EXPECT_TRUE(refused([](entry& e) { e.subject = "\xe2\x82"; }));      // truncated
  EXPECT_TRUE(refused([](entry& e) { e.subject = "\xc0\xaf"; }));      // overlong
  EXPECT_TRUE(refused([](entry& e) { e.subject = "\xed\xa0\x80"; }));  // surrogate
  EXPECT_TRUE(refused([](entry& e) { e.subject = "\xc2\x85"; }));      // C1 control
  EXPECT_TRUE(refused([](entry& e) { e.details = "[1,2]"; }));
  EXPECT_TRUE(refused([](entry& e) { e.details = "{\"a\":1,\"a\":2}"; }));  // duplicate member
  EXPECT_TRUE(refused([](entry& e) { e.details = "{\"a\":1} trailing"; }));
  EXPECT_TRUE(refused([](entry& e) { e.details = "{\"a\":\"" + std::string(max_details_size, 'x') + "\"}"; }));
}

TEST(AuditEntry, EncodesCanonicallyAndDecodesBack) {
  const auto text = encode_entry(good());
  EXPECT_EQ(text, R"({"v":1,"event":"desk.take_over","actor":"c_4f2a","role":"consultant","subject":"conv-1",)"
                  R"("source":"203.0.113.7","details":{"reason":"asked"}})");
  auto d = decode_entry(text);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->fields.event, "desk.take_over");
  EXPECT_EQ(d->fields.actor, "c_4f2a");
  EXPECT_EQ(d->fields.actor_role, "consultant");
  EXPECT_EQ(d->fields.subject, "conv-1");
  EXPECT_EQ(d->fields.source, "203.0.113.7");
  EXPECT_EQ(d->fields.details, R"({"reason":"asked"})");
  auto e = good();
  e.details.clear();
  auto none = decode_entry(encode_entry(e));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->details.empty());
  EXPECT_EQ(none->fields.details, "");
}

TEST(AuditEntry, DecodingIsStrict) {
  for (const char* bad :
       {"", "{}", "[]", R"({"v":2,"event":"e","actor":"a","role":"","subject":"","source":"","details":{}})",
        R"({"v":1,"event":"e","actor":"a","role":"","subject":"","source":"","details":[]})",
        R"({"v":1,"event":"e","actor":"a","role":"","subject":"","source":"","details":{},"x":1})",
        R"({"v":1,"event":"e","actor":1,"role":"","subject":"","source":"","details":{}})"}) {
    EXPECT_EQ(decode_entry(bad).error(), errc::tampered) << bad;
  }
}

}  // namespace
}  // namespace parley::audit::detail
