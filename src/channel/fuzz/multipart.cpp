// libFuzzer target "multipart": a Direct Line upload as directlinejs sends it: the first line is the
// Content-Type header value (boundary), the rest the body, split by the channel's strict
// multipart/form-data parser with the header helpers it uses. Invariants: every part's body lies
// inside the request body, and at most max_parts parts come back.
#include "../multipart.hpp"

#include "fuzz_target.hpp"

PARLEY_FUZZ_TARGET(multipart, "the channel's multipart/form-data parser (uploads) and its header helpers") {
  namespace channel = parley::channel;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  const auto content_type = input.substr(0, nl == std::string_view::npos ? input.size() : nl);
  const auto body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  (void)channel::media_type(content_type);
  (void)channel::header_parameter(content_type, "filename");
  const auto boundary = channel::multipart_boundary(content_type);
  if (!boundary) return 0;
  constexpr std::size_t max_parts = 11;
  const auto parts = channel::parse_multipart(body, *boundary, max_parts);
  if (!parts) return 0;
  if (parts->size() > max_parts) parley::fuzz::violated("more parts than allowed");
  for (const auto& p : *parts) {
    if (!p.body.empty() && (p.body.data() < body.data() || p.body.data() + p.body.size() > body.data() + body.size())) {
      parley::fuzz::violated("a part's body outside the request body");
    }
  }
  return 0;
}
