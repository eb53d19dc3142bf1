#include "commands.hpp"
#include "parley_version.hpp"

#include <openssl/opensslv.h>

#include <boost/version.hpp>

#include <cstdio>

namespace parley::app {

command add_version(CLI::App& app) {
  app.add_subcommand("version", "Print the version of parley and of the libraries it was built with");
  return [] {
    std::printf("parley %s (Boost %d.%d.%d, %s)\n", PARLEY_VERSION, BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                BOOST_VERSION % 100, OPENSSL_VERSION_TEXT);
    return 0;
  };
}

}  // namespace parley::app
