// W3C traceparent: strict parsing (only what the spec allows for version 00), new spans and traces.
#include <parley/net/trace_context.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

constexpr const char* valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesAValidHeader) {
  const auto t = parse_traceparent(valid);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(t->flags, "01");
  EXPECT_EQ(t->traceparent(), valid);
}

TEST(TraceContext, RefusesAnythingElse) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",         // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // a later version's fields
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // unknown version
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // forbidden version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",        // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",        // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",        // zero parent id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",        // not hex
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",        // separator
           " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",        // space
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7\n01",       // control character
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(TraceContext, ChildSpansKeepTheTraceAndNewTracesAreFresh) {
  const auto parent = parse_traceparent(valid);
  const auto a = child_span(parent);
  const auto b = child_span(parent);
  EXPECT_EQ(a.trace_id, parent->trace_id);
  EXPECT_EQ(a.flags, "01");
  EXPECT_NE(a.span_id, parent->span_id);
  EXPECT_NE(a.span_id, b.span_id);
  EXPECT_TRUE(parse_traceparent(a.traceparent()));
  const auto fresh = child_span(std::nullopt);
  const auto again = child_span(std::nullopt);
  EXPECT_NE(fresh.trace_id, again.trace_id);
  EXPECT_EQ(fresh.flags, "00");
  ASSERT_TRUE(parse_traceparent(fresh.traceparent()));
  EXPECT_EQ(parse_traceparent(fresh.traceparent())->trace_id, fresh.trace_id);
}

TEST(trace_context, trace_id_of_a_valid_header_only) {
  EXPECT_EQ(trace_id_of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace_id_of("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), "");
  EXPECT_EQ(trace_id_of(""), "");
}

}  // namespace
}  // namespace parley::net
