// Reading what a route's path names (a media, job or live session) as the caller may see it,
// and the answers several route files send: event streams, files, the operator rules' refusal.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "http_auth.h"

namespace fl::server {

// The caller and the thing the path's first match names, if the caller may do `action` with it;
// else the answer is written. Another project's thing answers exactly as a missing one does:
// 404, the same body.
std::optional<std::pair<security::Principal, service::MediaItem>> visible_media(
    service::Service& svc, const net::HttpRequest& req, net::HttpResponse& res,
    security::Action action);
std::optional<std::pair<security::Principal, service::JobInfo>> visible_job(
    service::Service& svc, const net::HttpRequest& req, net::HttpResponse& res,
    security::Action action);
std::optional<std::pair<security::Principal, service::LiveSession>> visible_session(
    service::Service& svc, const net::HttpRequest& req, net::HttpResponse& res,
    security::Action action);

// The path's match `index` as an integer >= 0, or invalid_argument naming `field`.
Result<int64_t> path_int(const net::HttpRequest& req, int index, const std::string& field);
nlohmann::json media_json(const service::MediaItem& m);

// Streams a topic of the event hub as Server-Sent Events until it ends or the client goes.
void stream_events(service::Service& svc, net::HttpResponse& res, const std::string& topic);
// A file as the body, streamed from disk (outputs can be gigabytes).
void send_file(net::HttpResponse& res, const std::string& path);
// The policy's operator rules, or a 403 naming the operator and the rule (audited as a refusal).
bool operators_allowed(service::Service& svc, const security::Principal& who,
                       net::HttpResponse& res, const std::string& project,
                       const nlohmann::json& graph);

// Jobs: submit, list (by project and review), read, cancel, events, output, review
// (http_jobs.cpp).
void install_job_routes(service::Service& svc, const AddRoute& route);

}  // namespace fl::server
