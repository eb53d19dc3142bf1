#include <parley/net/error.hpp>

#include <string>

namespace parley::net {
namespace {

struct mapping {
  int status;
  std::string_view code;
  std::string_view message;
};

mapping map(errc e) noexcept {
  switch (e) {
    case errc::bad_request: return {400, "BadArgument", "bad request"};
    case errc::bad_syntax: return {400, "BadSyntax", "malformed request"};
    case errc::unauthorized: return {401, "Unauthorized", "missing or malformed credentials"};
    case errc::forbidden: return {403, "Forbidden", "forbidden"};
    case errc::token_expired: return {403, "TokenExpired", "token expired"};
    case errc::not_found: return {404, "NotFound", "not found"};
    case errc::method_not_allowed: return {405, "MethodNotAllowed", "method not allowed"};
    case errc::request_timeout: return {408, "RequestTimeout", "request timed out"};
    case errc::conflict: return {409, "Conflict", "conflict"};
    case errc::payload_too_large: return {413, "PayloadTooLarge", "request body too large"};
    case errc::unsupported_media_type: return {415, "UnsupportedMediaType", "unsupported media type"};
    case errc::upgrade_required: return {426, "UpgradeRequired", "upgrade required"};
    case errc::too_many_requests: return {429, "TooManyRequests", "too many requests"};
    case errc::headers_too_large: return {431, "HeadersTooLarge", "request headers too large"};
    case errc::internal_error: return {500, "ServiceError", "internal error"};
    case errc::bad_gateway: return {502, "BadGateway", "upstream failed"};
    case errc::service_unavailable: return {503, "ServiceUnavailable", "service unavailable"};
    case errc::gateway_timeout: return {504, "GatewayTimeout", "upstream timed out"};
    case errc::not_implemented: return {501, "NotImplemented", "not implemented"};
    case errc::invalid_url: return {500, "ServiceError", "invalid URL"};
    case errc::resolve_failed: return {502, "BadGateway", "host name lookup failed"};
    case errc::connect_failed: return {502, "BadGateway", "connection failed"};
    case errc::tls_failed: return {502, "BadGateway", "TLS handshake failed"};
    case errc::timeout: return {504, "GatewayTimeout", "timed out"};
    case errc::response_too_large: return {502, "BadGateway", "response too large"};
    case errc::bad_response: return {502, "BadGateway", "malformed response"};
    case errc::connection_closed: return {502, "BadGateway", "connection closed by peer"};
    case errc::insecure_listener:
      return {500, "ServiceError",
              "plain HTTP is only allowed on loopback addresses (configure TLS, or behind_tls_proxy = true)"};
    case errc::tls_setup_failed: return {500, "ServiceError", "TLS certificate or key could not be loaded"};
  }
  return {500, "ServiceError", "unknown error"};
}

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "parley.net"; }
  std::string message(int ev) const override { return std::string(map(static_cast<errc>(ev)).message); }
};

}  // namespace

const boost::system::error_category& net_category() noexcept {
  static const category instance;
  return instance;
}

int http_status(errc e) noexcept { return map(e).status; }

std::string_view error_code_name(errc e) noexcept { return map(e).code; }

std::string_view status_reason(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace parley::net
