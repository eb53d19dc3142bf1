// POST /v3/directline/conversations/{id}/upload?userId=: files with an optional activity, as
// directlinejs sends them (multipart/form-data: an `activity` part of type
// application/vnd.microsoft.activity and `file` parts), or one raw file with its Content-Type and
// Content-Disposition. Files are checked (type allowlist, sizes), stored encrypted through the
// store, and attached to the activity with contentUrls served by this channel to holders of the
// conversation's token only; the activity then goes the way of any posted activity.
#include "multipart.hpp"
#include "routes.hpp"

#include <parley/core/json.hpp>
#include <parley/core/log_fields.hpp>
#include <parley/net/trace_context.hpp>

#include <boost/json/array.hpp>

#include <algorithm>

namespace parley::channel {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;
using net::request;
using net::response;

struct upload {
  json::value activity;                 // null: none sent
  std::vector<store::attachment> files;
};

bool allowed_type(const options& o, std::string_view type) {
  return std::find(o.upload_types.begin(), o.upload_types.end(), type) != o.upload_types.end();
}

std::string clean_name(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 200)) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\' && c != '/' && c != 0x7f) out.push_back(c);
  }
  return out.empty() ? std::string("file") : out;
}

result<upload> parse_upload(const options& o, const request& req) {
  upload u;
  const auto content_type = req.headers.get("content-type").value_or("");
  std::size_t total = 0;
  if (const auto boundary = multipart_boundary(content_type)) {
    auto parts = parse_multipart(req.body, *boundary, o.max_upload_files + 1);
    if (!parts) return make_error_code(errc::bad_syntax);
    for (auto& p : *parts) {
      if (p.name == "activity") {
        if (!u.activity.is_null()) return make_error_code(errc::bad_argument);
        if (p.content_type != "application/vnd.microsoft.activity" && p.content_type != "application/json") {
          return make_error_code(errc::unsupported_type);
        }
        if (p.body.size() > o.max_activity_bytes) return make_error_code(errc::too_large);
        auto parsed = core::parse_json(p.body, {o.max_activity_bytes, o.max_activity_depth});
        if (!parsed) return make_error_code(errc::bad_syntax);
        u.activity = std::move(*parsed);
      } else if (p.name == "file") {
        if (u.files.size() == o.max_upload_files) return make_error_code(errc::too_large);
        if (!allowed_type(o, p.content_type)) return make_error_code(errc::unsupported_type);
        total += p.body.size();
        u.files.push_back({p.content_type, clean_name(p.filename), std::string(p.body)});
      } else {
        return make_error_code(errc::bad_argument);
      }
    }
  } else {
    // One raw file: Content-Type is the file's, Content-Disposition names it.
    const auto type = media_type(content_type);
    if (!allowed_type(o, type)) return make_error_code(errc::unsupported_type);
    const auto disposition = req.headers.get("content-disposition").value_or("");
    u.files.push_back({type, clean_name(header_parameter(disposition, "filename").value_or("file")), std::string(req.body)});
    total = req.body.size();
  }
  if (u.files.empty()) return make_error_code(errc::bad_argument);
  if (total > o.max_upload_bytes) return make_error_code(errc::too_large);
  return u;
}

awaitable<response> upload_files(const state_ptr& s, const request& req) {
  auto who = co_await s->authenticate_client(req);
  if (!who) co_return error_response(who.error());
  const auto id = req.param("id");
  auto conv = co_await s->authorize_conversation(*who, id);
  if (!conv) co_return error_response(conv.error());
  // Only now, authorised: the conversation's bucket is its holders' alone.
  if (!co_await s->throttle(s->per_conversation, id)) co_return error_response(errc::rate_limited);
  auto u = parse_upload(s->opts, req);
  if (!u) co_return error_response(u.error());
  // `userId` names the sender as the client believes it; the bound user is the sender anyway.
  json::value base = u->activity.is_null() ? json::value(json::object{{"type", "message"}}) : std::move(u->activity);
  auto activity = normalize_client_activity(base, s->context(*who->bot, conv->id, conv->user_id, who->grant.user_name));
  if (!activity) co_return error_response(activity.error());
  if (activity->at("type") != "message") co_return error_response(errc::bad_argument, "uploads attach to a message");
  json::array attachments;
  for (auto& f : u->files) {
    const auto type = f.content_type;
    const auto name = f.name;
    auto stored = co_await s->deps.store.put_attachment(conv->tenant_id, conv->id, std::move(f));
    if (!stored) co_return error_response(from_store(stored.error()));
    attachments.push_back(json::object{
        {"contentType", type},
        {"contentUrl", s->opts.public_url + "/v3/directline/conversations/" + conv->id + "/attachments/" + *stored},
        {"name", name}});
  }
  (*activity)["attachments"] = std::move(attachments);
  core::with_log_fields({.conversation = conv->id,
                         .tenant = conv->tenant_id,
                         .trace_id = net::trace_id_of(req.headers.get("traceparent").value_or(""))},
                        [&] {
                          s->log->info("upload: conversation {}, {} file(s)", conv->id,
                                       (*activity)["attachments"].as_array().size());
                        });
  std::string traceparent(req.headers.get("traceparent").value_or(""));  // named: GCC 12, PR 99576
  co_return co_await post_client_activity(s, *who, *conv, std::move(*activity), std::move(traceparent));
}

}  // namespace

void add_upload_routes(net::router& r, const state_ptr& s) {
  net::route_options o;
  o.max_body_bytes = s->opts.max_upload_bytes + s->opts.max_activity_bytes + 64 * 1024;  // files + activity + framing
  o.cors = s->cors;
  r.post("/v3/directline/conversations/{id}/upload", [s](const request& q) { return with_dpop_nonce(s, upload_files(s, q)); },
         o);
}

}  // namespace parley::channel
