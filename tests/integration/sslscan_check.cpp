// sslscan_check FILE: exits 0 when the sslscan XML report in FILE matches Parley's TLS profile
// (sslscan_profile.hpp), else prints every departure and exits 1.
#include "sslscan_profile.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sslscan_check sslscan.xml\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto problems = parley::test::sslscan_problems(ss.str());
  for (const auto& p : problems) std::fprintf(stderr, "sslscan_check: %s\n", p.c_str());
  if (problems.empty()) std::printf("sslscan_check: TLS 1.2/1.3 with ECDHE AEAD suites only\n");
  return problems.empty() ? 0 : 1;
}
