#include <parley/core/config.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <fstream>

namespace parley::core {
namespace {

bool has_error(const config& c, std::string_view needle) {
  for (const auto& e : c.errors()) {
    if (e.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(Config, ReadsTypedValuesWithDefaults) {
  auto c = config::parse(R"(
[net]
port = 8080
host = "127.0.0.1"
tls = true
timeout = "15s"
origins = ["https://a.example", "https://b.example"]
)", {});
  auto s = c->section("net");
  EXPECT_EQ(s.integer("port", 1, 0, 65535), 8080);
  EXPECT_EQ(s.string("host"), "127.0.0.1");
  EXPECT_TRUE(s.boolean("tls", false));
  EXPECT_EQ(s.duration("timeout", std::chrono::seconds{1}), std::chrono::seconds{15});
  EXPECT_EQ(s.strings("origins").size(), 2u);
  EXPECT_EQ(s.integer("absent", 42, 0, 100), 42);
  s.finish();
  EXPECT_TRUE(c->ok()) << c->errors().front();
}

TEST(Config, UnknownKeysAndSectionsAreErrors) {
  auto c = config::parse("[net]\nport = 1\nprot = 2\n[nte]\nx = 1\n", {});
  auto s = c->section("net");
  (void)s.integer("port", 0, 0, 65535);
  s.finish();
  c->check_sections({"net"});
  EXPECT_TRUE(has_error(*c, "net.prot: unknown key"));
  EXPECT_TRUE(has_error(*c, "nte: unknown section"));
}

TEST(Config, WrongTypesAndRangesAreErrorsWithPaths) {
  auto c = config::parse("[net]\nport = \"x\"\nthreads = 999\nwait = \"soon\"\n", {});
  auto s = c->section("net");
  EXPECT_EQ(s.integer("port", 7, 0, 65535), 7);
  EXPECT_EQ(s.integer("threads", 1, 1, 64), 1);
  (void)s.duration("wait", std::chrono::seconds{1});
  EXPECT_TRUE(has_error(*c, "net.port: expected an integer, found string"));
  EXPECT_TRUE(has_error(*c, "net.threads: must be between 1 and 64"));
  EXPECT_TRUE(has_error(*c, "net.wait: expected a duration"));
}

TEST(Config, SyntaxErrorsCarryLineNumbers) {
  auto c = config::parse("[net]\nport = = 1\n", {}, "parley.toml");
  ASSERT_FALSE(c->ok());
  EXPECT_TRUE(has_error(*c, "parley.toml:2:"));
}

TEST(Config, EnvironmentOverridesFileValues) {
  env_map env{{"PARLEY_NET__PORT", "9090"}, {"PARLEY_NET__TLS__CERT", "/etc/cert.pem"},
              {"PARLEY_UNRELATED", "ignored"}, {"PARLEY_LOG__LEVEL", "debug"}};
  auto c = config::parse("[net]\nport = 8080\n", env);
  auto s = c->section("net");
  EXPECT_EQ(s.integer("port", 0, 0, 65535), 9090);
  EXPECT_EQ(s.section("tls").string("cert"), "/etc/cert.pem");
  EXPECT_EQ(c->section("log").string("level"), "debug");
}

TEST(Config, InlineSecretsAreRefused) {
  auto c = config::parse("[bot]\nsecret = \"hunter2\"\n", {});
  auto s = c->section("bot");
  EXPECT_FALSE(s.secret("secret"));
  EXPECT_TRUE(has_error(*c, "never inline"));
  for (const auto& e : c->errors()) EXPECT_EQ(e.find("hunter2"), std::string::npos);
}

TEST(Config, SecretsFromEnvironmentAndFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("parley-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "secret.txt";
  { std::ofstream(file) << "from-file\n"; }
  ::chmod(file.c_str(), 0600);
  auto c = config::parse("[bot]\na = { env = \"MY_SECRET\" }\nb = { file = \"" + file.string() + "\" }\n",
                         {{"MY_SECRET", "from-env"}});
  auto s = c->section("bot");
  auto a = s.secret("a");
  auto b = s.secret("b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reveal(), "from-env");
  EXPECT_EQ(b->reveal(), "from-file");

  ::chmod(file.c_str(), 0644);
  auto c2 = config::parse("[bot]\nb = { file = \"" + file.string() + "\" }\n", {});
  auto s2 = c2->section("bot");
  EXPECT_FALSE(s2.secret("b"));
  EXPECT_TRUE(has_error(*c2, "chmod 600"));
  std::filesystem::remove_all(dir);
}

TEST(Config, SecretFilesAreNeitherSymlinksNorOthersFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("parley-config-secret-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "secret.txt";
  { std::ofstream(file) << "s3cret\n"; }
  ::chmod(file.c_str(), 0600);
  ASSERT_TRUE(read_secret_file(file));
  EXPECT_EQ(read_secret_file(file)->reveal(), "s3cret");
  // A symlink to a good file is refused (a link in a shared directory could be swapped).
  std::filesystem::create_symlink(file, dir / "link.txt");
  EXPECT_EQ(read_secret_file(dir / "link.txt").error(), errc::insecure_file);
  // Readable or writable by group or others.
  ::chmod(file.c_str(), 0640);
  EXPECT_EQ(read_secret_file(file).error(), errc::insecure_file);
  ::chmod(file.c_str(), 0602);
  EXPECT_EQ(read_secret_file(file).error(), errc::insecure_file);
  ::chmod(file.c_str(), 0600);
  // Owned by another user (only root can hand a file over; skipped otherwise).
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
    EXPECT_EQ(read_secret_file(file).error(), errc::insecure_file);
    ASSERT_EQ(::chown(file.c_str(), 0, 0), 0);
  }
  // Not a regular file.
  EXPECT_EQ(read_secret_file(dir).error(), errc::io_error);
  EXPECT_EQ(read_secret_file(dir / "absent").error(), errc::io_error);
  std::filesystem::remove_all(dir);
}

TEST(Config, SecretsFromTheEnvironmentAreRecordedAndScrubbed) {
  auto c = config::parse("[bot]\na = { env = \"PARLEY_TEST_SECRET_A\" }\nb = { env = \"PARLEY_TEST_SECRET_A\" }\n",
                         {{"PARLEY_TEST_SECRET_A", "from-env"}, {"OTHER", "x"}});
  auto s = c->section("bot");
  auto a = s.secret("a");
  auto b = s.secret("b");  // the same variable twice: both read it
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reveal(), "from-env");
  EXPECT_EQ(b->reveal(), "from-env");
  EXPECT_EQ(c->secret_env_names(), std::vector<std::string>{"PARLEY_TEST_SECRET_A"});

  ::setenv("PARLEY_TEST_SECRET_A", "from-env", 1);
  ::setenv("PARLEY_TEST_KEPT", "kept", 1);
  char* value = ::getenv("PARLEY_TEST_SECRET_A");
  ASSERT_NE(value, nullptr);
  scrub_environment(c->secret_env_names());
  EXPECT_EQ(::getenv("PARLEY_TEST_SECRET_A"), nullptr);
  EXPECT_STREQ(::getenv("PARLEY_TEST_KEPT"), "kept");
  // The bytes were overwritten where they were, name and value (a setenv() copy here; the
  // initial environment block in a real process, which /proc/PID/environ shows).
  EXPECT_EQ(value[0], '\0');
  EXPECT_EQ(std::string_view(value - 21, 21), std::string_view("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 21));
  ::unsetenv("PARLEY_TEST_KEPT");
}

TEST(Config, ArraysOfTables) {
  auto c = config::parse("[[channel.bots]]\nid = \"a\"\n[[channel.bots]]\nid = \"b\"\nextra = 1\n", {});
  auto bots = c->section("channel").sections("bots");
  ASSERT_EQ(bots.size(), 2u);
  EXPECT_EQ(bots[0].string("id"), "a");
  EXPECT_EQ(bots[1].string("id"), "b");
  bots[0].finish();
  bots[1].finish();
  EXPECT_TRUE(has_error(*c, "channel.bots[1].extra: unknown key"));
}

TEST(Config, ParseDuration) {
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds{250});
  EXPECT_EQ(parse_duration("30m"), std::chrono::minutes{30});
  EXPECT_EQ(parse_duration("2d"), std::chrono::hours{48});
  EXPECT_EQ(parse_duration("7"), std::chrono::seconds{7});
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("1w"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("99999999999999d"));
}

}  // namespace
}  // namespace parley::core
