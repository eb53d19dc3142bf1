// The robustness suite against `parley demo`: WebSocket protocol violations on the Direct Line
// stream (RFC 6455). Each gets the close code the RFC asks for, and the stream keeps working for
// the next connection.
#include "demo.hpp"

namespace parley::robustness {
namespace {

struct violation {
  const char* what;
  std::string frames;
  std::uint16_t expected;
  std::uint16_t also = 0;  // a second acceptable code (RFC 6455 lets either fail the connection)
};

TEST_F(demo_test, WebSocketViolationsGetTheirCloseCodes) {
  auto c = start_conversation(demo());
  ASSERT_FALSE(c.id.empty());
  const std::vector<violation> violations = {
      // Issue 21, 7: an invalid close code was echoed instead of answered with 1002.
      {"close code 5000", ws_frame(8, close_payload(5000)), 1002},
      {"close code 65535", ws_frame(8, close_payload(65535)), 1002},
      {"close code 999", ws_frame(8, close_payload(999)), 1002},
      {"close code 1005", ws_frame(8, close_payload(1005)), 1002},
      {"close code 1016", ws_frame(8, close_payload(1016)), 1002},
      {"close with a 1-byte payload", ws_frame(8, "x"), 1002},
      {"close reason not UTF-8", ws_frame(8, close_payload(1000, "\xff\xfe")), 1007, 1002},
      {"unmasked frame", ws_frame(1, "hi", true, false), 1002},
      {"reserved opcode 3", ws_frame(3, "x"), 1002},
      {"reserved control opcode 11", ws_frame(11, "x"), 1002},
      {"RSV1 without an extension", ws_frame(1, "x", true, true, 4), 1002},
      {"ping of 126 bytes", ws_frame(9, std::string(126, 'p')), 1002},
      {"fragmented ping", ws_frame(9, "p", false), 1002},
      {"continuation without a start", ws_frame(0, "x"), 1002},
      {"text inside a fragmented text", ws_frame(1, "a", false) + ws_frame(1, "b"), 1002},
      {"binary message", ws_frame(2, "\x01\x02"), 1003},
      {"invalid UTF-8 text", ws_frame(1, "\xc3\x28"), 1007},
      {"message over 4 KiB", ws_frame(1, std::string(5000, 'm')), 1009},
  };
  for (const auto& v : violations) {
    attack_socket s(demo().channel(), "127.0.0.12");
    const auto target = fresh_stream_target(demo(), c);
    const auto up = ws_upgrade(s, target);
    ASSERT_TRUE(up) << v.what;
    ASSERT_EQ(up->status, 101) << v.what;
    ASSERT_TRUE(s.send(v.frames)) << v.what;
    const auto code = read_close_code(s, 5s);
    EXPECT_TRUE(code == v.expected || (v.also != 0 && code == v.also)) << v.what << ": " << code;
    // Answer the close as a client does (the server waits for it after a close of its own; after
    // failing the connection it has gone already, and this send may fail).
    s.send(ws_frame(8, close_payload(1000)), 1s);
    EXPECT_TRUE(s.wait_closed(5s)) << v.what;
  }
  // A valid close is answered with the same code; the stream still works afterwards.
  attack_socket s(demo().channel(), "127.0.0.12");
  const auto up = ws_upgrade(s, fresh_stream_target(demo(), c));
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 101);
  ASSERT_TRUE(s.send(ws_frame(8, close_payload(4000, "bye"))));
  EXPECT_EQ(read_close_code(s, 5s), 4000);
}

// A stream token is single-use: a replay of an upgrade is refused.
TEST_F(demo_test, AStreamTokenCannotBeReplayed) {
  auto c = start_conversation(demo());
  ASSERT_FALSE(c.id.empty());
  const auto target = fresh_stream_target(demo(), c);
  attack_socket first(demo().channel(), "127.0.0.13");
  auto up = ws_upgrade(first, target);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 101);
  attack_socket again(demo().channel(), "127.0.0.13");
  up = ws_upgrade(again, target);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 403);
}

}  // namespace
}  // namespace parley::robustness
