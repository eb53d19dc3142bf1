// The outbound HTTP(S) client: bots, identity providers and the bank's Login API are called
// through it.
//
// `http_client` is the seam (tests use testing/fake_http_client.hpp); `pooled_http_client` is the
// real one: async (coroutines), a keep-alive pool per scheme/host/port, certificate and host name
// verification always on (system CAs and/or a configured CA file), optional client certificate
// (mTLS), connect and request timeouts, and a cap on the response size. Redirects are not
// followed (a 3xx is returned as is). URLs are absolute http:// or https:// URLs without userinfo.
// Errors are returned (errc::invalid_url, resolve_failed, connect_failed, tls_failed, timeout,
// response_too_large, bad_response, connection_closed), never thrown.
#pragma once

#include <parley/core/error.hpp>
#include <parley/net/http.hpp>
#include <parley/net/options.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::net {

struct client_request {
  net::method method = method::get;
  std::string url;        ///< absolute http(s) URL; never logged (query strings may carry secrets)
  header_map headers;     ///< Host, Content-Length and User-Agent are set by the client
  std::string body;
  /// Overrides client_options::request_timeout for this call.
  std::optional<std::chrono::milliseconds> timeout;
  /// The request or its response carries a secret (a bearer token, client credentials, a token in
  /// the body). The client then wipes (OPENSSL_cleanse) every copy it made once the exchange is
  /// over: the header values and body of this request, the serialised message, and the read
  /// buffer of the connection. The returned client_response is the caller's to wipe.
  bool sensitive = false;

  /// A request with a JSON body (Content-Type: application/json).
  [[nodiscard]] static client_request json(net::method m, std::string url, const boost::json::value& body);
  /// A POST with an application/x-www-form-urlencoded body built from `fields`.
  [[nodiscard]] static client_request form(std::string url, const std::vector<std::pair<std::string, std::string>>& fields);
};

struct client_response {
  int status = 0;
  header_map headers;
  std::string body;
};

/// Percent-encodes for application/x-www-form-urlencoded (space → '+').
[[nodiscard]] std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

/// Sends requests. Thread-safety: implementations allow concurrent calls from any thread.
class http_client {
 public:
  virtual ~http_client() = default;
  /// Sends `req` and returns the response (any status), or an error.
  [[nodiscard]] virtual boost::asio::awaitable<result<client_response>> send(client_request req) = 0;
};

/// The real client. Construction fails (returns an error) when the CA file, client certificate or
/// key cannot be loaded: errc::tls_setup_failed (details logged).
class pooled_http_client final : public http_client {
 public:
  [[nodiscard]] static result<std::unique_ptr<pooled_http_client>> create(boost::asio::io_context& io,
                                                                          client_options options);
  ~pooled_http_client() override;

  [[nodiscard]] boost::asio::awaitable<result<client_response>> send(client_request req) override;

  /// Idle pooled connections (for tests).
  [[nodiscard]] std::size_t idle_connections() const;

  struct impl;

 private:
  explicit pooled_http_client(std::shared_ptr<impl> impl);
  std::shared_ptr<impl> impl_;
};

}  // namespace parley::net
