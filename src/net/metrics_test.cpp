#include <parley/net/metrics.hpp>

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(metrics, counter_and_gauge_render_in_prometheus_text_format) {
  metrics_registry r;
  r.counter_for("parley_things_total", "Things done", {{"kind", "a"}}).inc(3);
  r.counter_for("parley_things_total", "Things done", {{"kind", "b"}}).inc();
  r.gauge_for("parley_level", "A level").set(2.5);
  EXPECT_EQ(r.render(),
            "# HELP parley_level A level\n"
            "# TYPE parley_level gauge\n"
            "parley_level 2.5\n"
            "# HELP parley_things_total Things done\n"
            "# TYPE parley_things_total counter\n"
            "parley_things_total{kind=\"a\"} 3\n"
            "parley_things_total{kind=\"b\"} 1\n");
}

TEST(metrics, same_name_and_labels_return_the_same_metric) {
  metrics_registry r;
  auto& a = r.counter_for("x_total", "h", {{"l", "1"}});
  auto& b = r.counter_for("x_total", "h", {{"l", "1"}});
  EXPECT_EQ(&a, &b);
  a.inc();
  EXPECT_EQ(b.value(), 1u);
}

TEST(metrics, histogram_buckets_are_cumulative_with_sum_and_count) {
  metrics_registry r;
  auto& h = r.histogram_for("latency_seconds", "Latency", {0.1, 1}, {{"route", "/a"}});
  h.observe(0.05);
  h.observe(0.1);  // on the bound: counted in le="0.1"
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(r.render(),
            "# HELP latency_seconds Latency\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
            "latency_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{route=\"/a\"} 7.65\n"
            "latency_seconds_count{route=\"/a\"} 4\n");
}

TEST(metrics, label_values_and_help_are_escaped) {
  metrics_registry r;
  r.counter_for("e_total", "line1\nline2 \\ back", {{"v", "quote\" nl\n bs\\"}}).inc();
  EXPECT_EQ(r.render(),
            "# HELP e_total line1\\nline2 \\\\ back\n"
            "# TYPE e_total counter\n"
            "e_total{v=\"quote\\\" nl\\n bs\\\\\"} 1\n");
}

TEST(metrics, callback_gauges_are_read_at_render_and_removable) {
  metrics_registry r;
  double open = 4;
  int owner = 0;
  r.gauge_callback("open_connections", "Open", {{"listener", "ops"}}, [&] { return open; }, &owner);
  EXPECT_NE(r.render().find("open_connections{listener=\"ops\"} 4\n"), std::string::npos);
  open = 7;
  EXPECT_NE(r.render().find("open_connections{listener=\"ops\"} 7\n"), std::string::npos);
  r.remove_callbacks(&owner);
  EXPECT_EQ(r.render().find("open_connections{"), std::string::npos);
}

TEST(metrics, latency_buckets_are_ascending) {
  const auto b = latency_buckets();
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  EXPECT_EQ(b.front(), 0.0005);
}

TEST(metrics_death, type_mismatch_is_a_programmer_error) {
  metrics_registry r;
  (void)r.counter_for("m_total", "h");
  EXPECT_DEATH((void)r.gauge_for("m_total", "h"), "different types");
}

TEST(metrics_death, invalid_names_are_programmer_errors) {
  metrics_registry r;
  EXPECT_DEATH((void)r.counter_for("9bad", "h"), "invalid metric name");
  EXPECT_DEATH((void)r.counter_for("ok_total", "h", {{"le", "x"}}), "invalid metric label");
}

}  // namespace
}  // namespace parley::net
