// `parley channel hash-secret`: reads a secret on stdin (never from the command line, which other
// users can see in the process list) and prints the salted scrypt hash to put in the
// configuration ([[channel.bots]] secret_hashes or app_password_hash).
#include "commands.hpp"

#include <parley/channel/secret_hash.hpp>
#include <parley/core/random.hpp>

#include <openssl/crypto.h>

#include <cstdio>
#include <iostream>
#include <string>

namespace parley::app {

command add_channel(CLI::App& app) {
  auto* group = app.add_subcommand("channel", "Channel administration");
  group->require_subcommand(1);
  auto* hash = group->add_subcommand(
      "hash-secret", "Read a channel secret or app password on stdin; print its salted hash for the configuration");
  return [hash] {
    if (!hash->parsed()) return 1;
    std::string secret;
    std::getline(std::cin, secret);
    while (!secret.empty() && (secret.back() == '\r' || secret.back() == '\n')) secret.pop_back();
    auto h = channel::hash_secret(secret, core::os_random());
    OPENSSL_cleanse(secret.data(), secret.size());
    if (!h) {
      std::fprintf(stderr, "parley: channel hash-secret: the secret must be %zu to 1024 characters (generate one, e.g. "
                           "`openssl rand -base64 32`)\n",
                   channel::min_secret_length);
      return 1;
    }
    std::printf("%s\n", h->c_str());
    return 0;
  };
}

}  // namespace parley::app
