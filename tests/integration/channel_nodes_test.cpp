// Two channel nodes sharing one store and one bus (issue 15): a WebSocket stream held on node A
// receives, in order and exactly once, what node B appended (user messages posted to B, the bot's
// replies arriving at B), also while both nodes append to the same conversation at once. Two
// backends: one memory store and the in-process bus's shared broker (fast, no services), and two
// encrypted stores over one real PostgreSQL database with the AMQP bus over the real RabbitMQ test
// broker (the "rabbitmq" CTest fixture).
#include "channel_fixture.hpp"
#include "ws_client.hpp"

#include <parley/bus/amqp/testing/test_broker.hpp>
#include <parley/bus/in_process.hpp>
#include <parley/bus/testing/fake_bus.hpp>
#include <parley/crypto/primitives.hpp>
#include <parley/crypto/root_key.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/postgres/postgres_backend.hpp>
#include <parley/store/postgres/testing/pg_server.hpp>

#include <array>

namespace parley::channel::test {
namespace {

// The stores and buses of the two nodes.
class backend {
 public:
  virtual ~backend() = default;
  virtual store::conversation_store& store(int node) = 0;
  virtual bus::bus& bus(int node) = 0;
};

class in_process_backend final : public backend {
 public:
  in_process_backend() {
    auto broker = std::make_shared<bus::in_process_broker>();
    for (int i = 0; i < 2; ++i) {
      bus::options o;
      o.node_id = "node-" + std::to_string(i);
      buses_[i] = std::make_unique<bus::in_process_bus>(o, broker);
    }
  }
  store::conversation_store& store(int) override { return store_; }
  bus::bus& bus(int node) override { return *buses_[node]; }

 private:
  store::testing::memory_store store_;  // one database for both nodes
  std::array<std::unique_ptr<bus::bus>, 2> buses_;
};

// A fake bus per node: the test plays the other nodes' messages (and their loss).
class fake_backend final : public backend {
 public:
  fake_backend() : buses_{bus::testing::fake_bus("node-0"), bus::testing::fake_bus("node-1")} {}
  store::conversation_store& store(int) override { return store_; }
  bus::bus& bus(int node) override { return buses_[node]; }
  bus::testing::fake_bus& fake(int node) { return buses_[node]; }

 private:
  store::testing::memory_store store_;
  std::array<bus::testing::fake_bus, 2> buses_;
};

class cluster_backend final : public backend {
 public:
  cluster_backend() {
    store::postgres::testing::pg_server_options po;
    po.durable = false;
    pg_ = store::postgres::testing::pg_server::start(po);
    pg_->create_database("nodes");
    dir_ = std::filesystem::temp_directory_path() / ("parley-nodes-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::array<std::uint8_t, 32> root{};
    core::os_random().fill(root);
    for (int i = 0; i < 2; ++i) {
      store::postgres::options o;
      o.dsn = pg_->dsn("nodes");
      o.password = std::make_shared<const core::secret_string>(pg_->password());
      auto db = store::postgres::open(o);
      if (!db) throw std::runtime_error("postgres: " + db.error().message());
      auto key = crypto::root_key::from_bytes(*crypto::secure_buffer::copy_of(root), 1);
      auto s = store::encrypted_store::open(std::move(*db), std::move(*key), dir_ / "erasure-secrets", {});
      if (!s) throw std::runtime_error("store: " + s.error().message());
      stores_[i] = std::move(*s);
      bus::options bo;
      bo.node_id = "node-" + std::to_string(i);
      auto b = bus::amqp::open(bo, bus::amqp::testing::test_broker::shared().plain());
      if (!b) throw std::runtime_error("bus: " + b.error().message());
      buses_[i] = std::move(*b);
    }
    crypto::secure_wipe(root);
  }
  ~cluster_backend() override {
    for (auto& b : buses_) b->stop();
    std::filesystem::remove_all(dir_);
  }
  store::conversation_store& store(int node) override { return *stores_[node]; }
  bus::bus& bus(int node) override { return *buses_[node]; }

 private:
  std::unique_ptr<store::postgres::testing::pg_server> pg_;
  std::filesystem::path dir_;
  std::array<std::unique_ptr<store::encrypted_store>, 2> stores_;
  std::array<std::unique_ptr<bus::bus>, 2> buses_;
};

// Two channel services (nodes 0 = A, 1 = B) with one set of signing keys, each on its own
// listener, delivering to one in-process test bot that answers through node `bot_node` (B unless
// a test needs every append of a conversation to happen on A).
class two_nodes {
 public:
  explicit two_nodes(backend& b, int bot_node = 1) : work_(asio::make_work_guard(io_)) {
    dir_ = std::filesystem::temp_directory_path() / ("parley-two-nodes-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    jose::key_store_options ko;
    ko.file = dir_ / "keys.json";
    keys_ =
        std::move(*jose::signing_key_store::open(ko, token_service::key_purposes(), wrapper_, core::system_clock()));
    http_ = std::move(*net::pooled_http_client::create(io_, {}));
    bot_ = std::make_unique<test_bot>(io_, *http_);
    options o;
    o.bot_timeout = 10s;
    o.client_rate = 100'000;
    o.conversation_rate = 100'000;
    bot_options a;
    a.id = "bankx-assistant";
    a.tenant = "bankx";
    a.name = "BankX Assistant";
    a.app_id = "app-bankx";
    a.secret_hashes = {hash_of(secret_a)};
    a.app_password_hash = hash_of(password_a);
    a.endpoint = std::string(in_process_endpoint);
    a.origins = {"https://www.bankx.example"};
    o.bots = {a};
    tenant_options t;  // bearer tokens, as these tests send (ADR 0013: bound tokens by default)
    t.id = "bankx";
    t.require_bound_tokens = false;
    o.tenants = {t};
    for (int i = 0; i < 2; ++i) {
      auto& n = nodes_[i];
      n.bot = std::make_unique<in_process_test_bot>(*bot_);
      n.svc = std::make_unique<service>(o, dependencies{io_, b.store(i), *keys_, *http_, b.bus(i), core::system_clock(),
                                                        core::os_random(), nullptr, n.bot.get()});
      n.server = std::make_unique<net::server>(io_, net::server_options{}, metrics_);
      auto routes = std::make_shared<net::router>();
      n.svc->add_routes(*routes);
      net::listener_options l;
      l.name = "channel";
      l.port = 0;
      n.info = *n.server->listen(l, routes);
    }
    // One site address for both, as behind the load balancer: a token's issuer and audience are
    // the public URL, so a token either node issued is valid on the other.
    for (auto& n : nodes_) {
      EXPECT_TRUE(n.svc->start(nodes_[0].info.base_url()));
      n.server->set_ready(true);
    }
    bot_->reply_in_process(nodes_[bot_node].svc.get());
    threads_ = std::make_unique<core::thread_group>(io_, 2, "two-nodes");
  }

  ~two_nodes() {
    for (auto& n : nodes_) asio::co_spawn(io_, n.server->shutdown(), asio::use_future).get();
    work_.reset();
    io_.stop();
    threads_->join();
    std::filesystem::remove_all(dir_);
  }

  http_result call(int node, net::method m, const std::string& path, const std::string& credential,
                   std::string body = {}) {
    net::client_request req;
    req.method = m;
    req.url = nodes_[node].info.base_url() + path;
    if (!credential.empty()) req.headers.set("Authorization", "Bearer " + credential);
    if (!body.empty()) req.headers.set("Content-Type", "application/json");
    req.body = std::move(body);
    req.timeout = 20s;
    auto r = asio::co_spawn(io_, http_->send(std::move(req)), asio::use_future).get();
    if (!r) return {0, {}, r.error().message()};
    return {r->status, r->headers, r->body};
  }

  /// tokens/generate and POST /conversations on `node`.
  json::object start_conversation(int node) {
    auto gen = call(node, net::method::post, "/v3/directline/tokens/generate", secret_a, "{}");
    EXPECT_EQ(gen.status, 200) << gen.body;
    auto started =
        call(node, net::method::post, "/v3/directline/conversations", std::string(gen.json().at("token").as_string()));
    EXPECT_EQ(started.status, 201) << started.body;
    return started.json();
  }

  std::uint16_t port(int node) const { return nodes_[node].info.port; }

  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(io_, std::move(a), asio::use_future).get();
  }

 private:
  struct node {
    std::unique_ptr<in_process_test_bot> bot;
    std::unique_ptr<service> svc;
    std::unique_ptr<net::server> server;
    net::listener_info info;
  };
  net::metrics_registry metrics_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::filesystem::path dir_;
  jose::testing::test_key_wrapper wrapper_;
  std::unique_ptr<jose::signing_key_store> keys_;
  std::unique_ptr<net::pooled_http_client> http_;
  std::unique_ptr<test_bot> bot_;
  std::array<node, 2> nodes_;
  std::unique_ptr<core::thread_group> threads_;
};

std::string target_of(const std::string& url) {
  return url.substr(url.find('/', 5));
}
std::string conv_id(const json::object& c) {
  return std::string(c.at("conversationId").as_string());
}
std::string token(const json::object& c) {
  return std::string(c.at("token").as_string());
}

std::string message_body(const std::string& text) {
  return json::serialize(json::object{{"type", "message"}, {"from", {{"id", "ignored"}}}, {"text", text}});
}

// Every activity id the stream delivers until `n` arrived or nothing comes for `quiet`.
std::vector<std::string> read_ids(net::test::ws_client& ws, std::size_t n, std::chrono::milliseconds quiet) {
  std::vector<std::string> ids;
  while (ids.size() < n) {
    auto m = ws.read(quiet);
    if (!m) break;
    if (m->text.empty()) continue;
    auto o = core::parse_json_object(m->text, {.max_bytes = 1 << 24});
    if (!o) break;
    for (const auto& a : o->at("activities").as_array()) ids.emplace_back(a.at("id").as_string());
  }
  return ids;
}

// What a client polling the conversation gets: every activity clients see, in store order.
std::vector<std::string> polled_ids(two_nodes& c, int node, const json::object& conv) {
  auto r = c.call(node, net::method::get, "/v3/directline/conversations/" + conv_id(conv) + "/activities?watermark=-",
                  token(conv));
  // A named object: a range-for over a member of the temporary r.json() would dangle (before C++23).
  const auto body = r.json();
  std::vector<std::string> ids;
  const auto* activities = body.if_contains("activities");
  EXPECT_TRUE(activities && activities->is_array()) << r.status << " " << r.body;
  if (!activities || !activities->is_array()) return ids;
  for (const auto& a : activities->get_array()) ids.emplace_back(a.at("id").as_string());
  return ids;
}

std::unique_ptr<backend> make_backend(const std::string& kind) {
  if (kind == "in-process") return std::make_unique<in_process_backend>();
  return std::make_unique<cluster_backend>();
}

class TwoNodes : public ::testing::TestWithParam<std::string> {};

TEST_P(TwoNodes, AStreamOnAGetsWhatBAppendedInOrderExactlyOnce) {
  auto b = make_backend(GetParam());
  two_nodes c(*b);
  const auto conv = c.start_conversation(1);
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(c.port(0), target_of(std::string(conv.at("streamUrl").as_string()))), 101);  // on A
  constexpr int n = 20;
  for (int i = 0; i < n; ++i) {
    const auto r = c.call(1, net::method::post, "/v3/directline/conversations/" + conv_id(conv) + "/activities",
                          token(conv), message_body("hello " + std::to_string(i)));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const auto streamed = read_ids(ws, 2 * n, 10s);  // each message and the bot's echo
  const auto polled = polled_ids(c, 1, conv);
  ASSERT_EQ(polled.size(), static_cast<std::size_t>(2 * n));
  EXPECT_EQ(streamed, polled);
  EXPECT_TRUE(read_ids(ws, 1, 300ms).empty()) << "a duplicate arrived";
}

TEST_P(TwoNodes, AppendsOnBothNodesAtOnceReachTheStreamInStoreOrder) {
  auto b = make_backend(GetParam());
  two_nodes c(*b);
  const auto conv = c.start_conversation(0);
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(c.port(0), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  constexpr int per_node = 12;
  std::array<std::thread, 2> posting;
  std::atomic<int> failures{0};
  for (int node = 0; node < 2; ++node) {
    posting[node] = std::thread([&, node] {
      for (int i = 0; i < per_node; ++i) {
        const auto r = c.call(node, net::method::post, "/v3/directline/conversations/" + conv_id(conv) + "/activities",
                              token(conv), message_body("node " + std::to_string(node) + " " + std::to_string(i)));
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& t : posting) t.join();
  ASSERT_EQ(failures.load(), 0);
  const auto streamed = read_ids(ws, 4 * per_node, 10s);
  const auto polled = polled_ids(c, 1, conv);
  ASSERT_EQ(polled.size(), static_cast<std::size_t>(4 * per_node));
  EXPECT_EQ(streamed, polled);
  EXPECT_TRUE(read_ids(ws, 1, 300ms).empty()) << "a duplicate arrived";
}

INSTANTIATE_TEST_SUITE_P(InProcess, TwoNodes, ::testing::Values("in-process"));

// Appends an activity to the store as another node would (without this node's channel).
void append_elsewhere(two_nodes& c, backend& b, const json::object& conv, const std::string& text) {
  store::new_activity a;
  a.activity_id = core::random_id(core::os_random(), "a_", 12);
  a.timestamp = std::chrono::system_clock::now();
  a.type = "message";
  a.sender_role = "bot";
  a.body = json::serialize(json::object{{"type", "message"}, {"text", text}});
  auto r = c.run(b.store(1).append_activity("bankx", conv_id(conv), std::move(a)));
  ASSERT_TRUE(r) << r.error().message();
}

bus::message activity_message(const json::object& conv, std::uint64_t seq, const std::string& text,
                              std::string origin) {
  bus::message m;
  m.topic = std::string(activity_topic);
  m.tenant = "bankx";
  m.key = conv_id(conv);
  m.seq = seq;
  m.type = "message";
  m.body = json::serialize(
      json::object{{"type", "message"},
                   {"id", conv_id(conv) + "|" + std::string(7 - std::to_string(seq).size(), '0') + std::to_string(seq)},
                   {"text", text}});
  m.origin = std::move(origin);
  return m;
}

// Waits until `done()` holds or 5 s passed.
template <class F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The ChannelOnTheBus tests use a fake bus per node, which carries nothing between them: the bot
// answers through A, so that every append of the conversation happens on A (an echo appended on
// B would reach A's stream only if A's replay from the store happened to read it).
TEST(ChannelOnTheBus, PublishesEveryAppendAndSkipsItsOwnMessages) {
  fake_backend b;
  two_nodes c(b, 0);
  const auto conv = c.start_conversation(0);  // seq 1: conversationUpdate (never streamed)
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(c.port(0), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  ASSERT_EQ(c.call(0, net::method::post, "/v3/directline/conversations/" + conv_id(conv) + "/activities", token(conv),
                   message_body("hi"))
                .status,
            200);
  // The user's message and the bot's echo, both appended on A: given to A's stream directly.
  const auto ids = read_ids(ws, 2, 5s);
  const auto stored = polled_ids(c, 0, conv);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(ids, stored);
  // Every append is published (the conversationUpdate too: other nodes' streams skip it).
  ASSERT_TRUE(eventually([&] { return b.fake(0).published().size() >= 3; }));
  const auto published = b.fake(0).published();
  ASSERT_EQ(published.size(), 3u);
  for (std::size_t i = 0; i < published.size(); ++i) {
    EXPECT_EQ(published[i].topic, activity_topic);
    EXPECT_EQ(published[i].tenant, "bankx");
    EXPECT_EQ(published[i].key, conv_id(conv));
    EXPECT_EQ(published[i].seq, i + 1);
    EXPECT_EQ(published[i].origin, "node-0");
  }
  EXPECT_EQ(published[0].type, "conversationUpdate");
  EXPECT_EQ(published[1].type, "message");
  EXPECT_NE(published[1].body.find("\"text\":\"hi\""), std::string::npos);
  EXPECT_NE(published[1].body.find(stored[0]), std::string::npos);
  EXPECT_NE(published[2].body.find("\"text\":\"echo: hi\""), std::string::npos);
  EXPECT_TRUE(b.fake(1).published().empty());
  // Its own messages coming back over the bus are not delivered again, not even one the stream
  // has not seen yet (this node gave it to its streams when it appended it).
  for (auto again : published) ASSERT_EQ(b.fake(0).deliver(again).get(), std::vector<error_code>{error_code{}});
  ASSERT_EQ(b.fake(0).deliver(activity_message(conv, 4, "own", "node-0")).get(), std::vector<error_code>{error_code{}});
  EXPECT_TRUE(read_ids(ws, 1, 300ms).empty()) << "a message of this node came back";
  // The same message from another node is delivered.
  ASSERT_EQ(b.fake(0).deliver(activity_message(conv, 4, "other", "node-1")).get(),
            std::vector<error_code>{error_code{}});
  EXPECT_EQ(read_ids(ws, 1, 5s), std::vector<std::string>{conv_id(conv) + "|0000004"});
}

TEST(ChannelOnTheBus, AnotherNodesMessageReachesTheStreamAndAGapIsReadFromTheStore) {
  fake_backend b;
  two_nodes c(b, 0);
  const auto conv = c.start_conversation(0);  // seq 1: conversationUpdate (never streamed)
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(c.port(0), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  // Another node appended two activities; only the second one's message arrives (the first one's
  // was lost): the first is read from the store, then both go out in order.
  append_elsewhere(c, b, conv, "two");
  append_elsewhere(c, b, conv, "three");
  const auto stored = polled_ids(c, 0, conv);
  ASSERT_GE(stored.size(), 2u);
  const auto seq_of = [](const std::string& id) { return std::stoull(id.substr(id.find('|') + 1)); };
  const auto second = seq_of(stored.back());
  b.fake(0).deliver(activity_message(conv, second, "three", "node-1")).get();
  const auto ids = read_ids(ws, 2, 5s);
  EXPECT_EQ(ids, std::vector<std::string>(stored.end() - 2, stored.end()));
  // Without tenant, conversation or sequence number: dropped.
  auto bad = activity_message(conv, second + 1, "four", "node-1");
  bad.seq = 0;
  b.fake(0).deliver(bad).get();
  EXPECT_TRUE(read_ids(ws, 1, 300ms).empty());
}

TEST(ChannelOnTheBus, AfterTheBusIsReattachedStreamsCatchUpFromTheStore) {
  fake_backend b;
  two_nodes c(b, 0);
  const auto conv = c.start_conversation(0);
  net::test::ws_client ws;
  ASSERT_EQ(ws.connect(c.port(0), target_of(std::string(conv.at("streamUrl").as_string()))), 101);
  ASSERT_EQ(c.call(0, net::method::post, "/v3/directline/conversations/" + conv_id(conv) + "/activities", token(conv),
                   message_body("before"))
                .status,
            200);
  ASSERT_EQ(read_ids(ws, 2, 5s), polled_ids(c, 0, conv));  // the message and the bot's echo
  // While the broker was down, another node appended; its message never came.
  append_elsewhere(c, b, conv, "while the broker was down");
  EXPECT_TRUE(read_ids(ws, 1, 300ms).empty());
  b.fake(0).reattach();
  const auto ids = read_ids(ws, 1, 5s);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.front(), polled_ids(c, 0, conv).back());
}
INSTANTIATE_TEST_SUITE_P(PostgresRabbitMq, TwoNodes, ::testing::Values("postgres-rabbitmq"));

}  // namespace
}  // namespace parley::channel::test
