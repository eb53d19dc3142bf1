// The child of the kill -9 test (sqlite_files_test.cpp): opens the store on the given files and
// appends forever from many coroutines to several conversations, writing "<conversation> <seq>\n"
// to stdout for every acknowledged append, until the parent kills it.
// Usage: parley_store_crash_child DATA_FILE KEY_FILE ROOT_KEY_FILE SECRETS_FILE TENANT CONV...
#include <parley/core/async.hpp>
#include <parley/core/log.hpp>
#include <parley/store/encrypted_store.hpp>
#include <parley/store/sqlite/sqlite_backend.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  using namespace parley;
  if (argc < 7) return 2;
  store::sqlite::options so;
  so.path = argv[1];
  so.keys_path = argv[2];
  auto backend = store::sqlite::open(so);
  auto root = crypto::root_key::load_file(argv[3], 1);
  if (!backend || !root) return 3;
  auto opened = store::encrypted_store::open(std::move(*backend), std::move(*root), argv[4], store::options{});
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message().c_str());
    return 4;
  }
  auto& st = **opened;
  const std::string tenant = argv[5];
  std::vector<std::string> convs(argv + 6, argv + argc);

  boost::asio::io_context ctx;
  for (const auto& conv : convs) {
    for (int w = 0; w < 16; ++w) {
      boost::asio::co_spawn(
          ctx,
          [&st, &tenant, conv, w]() -> boost::asio::awaitable<void> {
            for (long i = 0;; ++i) {
              store::new_activity a{"w" + std::to_string(w) + "-" + std::to_string(i), std::chrono::system_clock::now(),
                                    "message", "user", "crash test writer " + std::to_string(w), std::nullopt};
              auto r = co_await st.append_activity(tenant, conv, std::move(a));
              if (!r) continue;
              const auto line = conv + " " + std::to_string(r->seq) + "\n";
              // One write() per line (shorter than PIPE_BUF): lines never interleave.
              if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) co_return;
            }
          },
          core::log_exceptions{core::logger("crash-child"), "appender"});
    }
  }
  std::thread t([&] { ctx.run(); });
  ctx.run();
  t.join();
  return 0;
}
