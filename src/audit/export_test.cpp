#include "test_support.hpp"

#include <parley/audit/export.hpp>
#include <parley/core/base64.hpp>
#include <parley/core/json.hpp>

namespace parley::audit {
namespace {

using namespace std::chrono_literals;
using testing::run;
using testing::sample;

class AuditExport : public testing::log_fixture {
 protected:
  result<export_summary> export_lines(std::int64_t since = 0) {
    lines_.clear();
    return run(export_entries(store_, "bankx", since, [this](std::string_view l) {
      lines_.emplace_back(l);
      return true;
    }));
  }
  std::vector<std::string> lines_;
};

TEST_F(AuditExport, WritesOneJsonObjectPerEntry) {
  open();
  append(entry{"bankx", "desk.take_over", "c_1", "supervisor", "conv-7", "203.0.113.9", R"({"queue":"loans"})"});
  append(entry{"bankx", "desk.sign_out", "c_1", "", "", "", ""});
  auto s = export_lines();
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->lines, 2U);
  EXPECT_FALSE(s->stopped);
  ASSERT_EQ(lines_.size(), 2U);
  auto o = core::parse_json_object(lines_[0]);
  ASSERT_TRUE(o) << lines_[0];
  std::vector<std::string> keys;
  for (const auto& kv : *o) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"tenant", "seq", "time", "event", "actor", "role", "subject", "source",
                                            "details", "hash"}));
  EXPECT_EQ(core::get_string(*o, "event"), "desk.take_over");
  EXPECT_EQ(core::get_string(*o, "role"), "supervisor");
  EXPECT_EQ(core::get_string(*o, "subject"), "conv-7");
  EXPECT_EQ(core::get_string(*o, "source"), "203.0.113.9");
  EXPECT_EQ(core::get_int(*o, "seq"), 1);
  EXPECT_EQ(core::get_string(*o, "time"),
            format_time(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count()));
  EXPECT_EQ(core::get_string(*core::get_object(*o, "details"), "queue"), "loans");
  std::vector<store::audit_row> rows;
  store_.tamper([&](auto& t) { rows = t.entries["bankx"]; });
  EXPECT_EQ(core::get_string(*o, "hash"), core::hex_encode(rows[0].hash));
  auto second = core::parse_json_object(lines_[1]);
  ASSERT_TRUE(second);
  EXPECT_TRUE(core::get_object(*second, "details")->empty());
}

TEST_F(AuditExport, StartsAtTheGivenTime) {
  open();
  append_many(3);
  clock_.advance(1h);
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.now().time_since_epoch()).count();
  append_many(2);
  auto s = export_lines(since);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lines, 2U);
  EXPECT_EQ(s->first_seq, 4U);
  EXPECT_EQ(s->last_seq, 5U);
}

TEST_F(AuditExport, StopsBeforeAnEntryThatFailsItsChecks) {
  open();
  append_many(6);
  store_.tamper([](auto& t) { t.entries["bankx"][3].sealed.back() ^= 1; });
  auto s = export_lines();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lines, 3U);
  ASSERT_TRUE(s->stopped);
  EXPECT_EQ(s->stopped->first, 4U);
  EXPECT_EQ(s->stopped->kind, problem::modified);
  store_.tamper([](auto& t) { std::erase_if(t.entries["bankx"], [](const auto& r) { return r.seq == 4; }); });
  s = export_lines();
  ASSERT_TRUE(s && s->stopped);
  EXPECT_EQ(s->stopped->kind, problem::removed);
  EXPECT_EQ(s->stopped->first, 4U);
}

TEST_F(AuditExport, ATenantWithoutALogIsNotFound) {
  open();
  EXPECT_EQ(export_lines().error(), errc::not_found);
}

}  // namespace
}  // namespace parley::audit
