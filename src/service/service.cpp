#include "service/service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/json_text.h"
#include "io/frame_source.h"

namespace fl::service {

namespace fs = std::filesystem;

nlohmann::json LiveSession::to_json() const {
  return {{"id", id},
          {"owner", owner},
          {"state", state},
          {"version", version},
          {"updated_by", updated_by},
          {"events", "/v1/sessions/" + id + "/events"}};
}

Service::~Service() { stop(); }

Result<std::unique_ptr<Service>> Service::open(ServiceOptions options) {
  if (options.data_dir.empty()) return invalid_argument("a data directory is required", "data");
  std::error_code ec;
  fs::create_directories(options.data_dir, ec);
  if (ec)
    return permission_denied("cannot create data directory '" + options.data_dir +
                             "': " + ec.message());
  ::chmod(options.data_dir.c_str(), 0700);  // tokens, graphs and renders of unreleased footage
  options.data_dir = fs::canonical(options.data_dir, ec).string();
  std::unique_ptr<Service> s(new Service(options));
  FL_ASSIGN_OR_RETURN(s->db_, store::Database::open(options.data_dir + "/framelock.db"));
  FL_ASSIGN_OR_RETURN(s->tokens_, security::TokenStore::open(s->db_));
  s->auth_ = std::make_shared<security::ChainAuthenticator>();
  s->auth_->add(s->tokens_);
  FL_ASSIGN_OR_RETURN(
      s->media_, MediaLibrary::open(s->db_, [](const std::string& p) { return io::probe(p); }));
  for (const auto& r : options.media_roots) {
    auto added = s->media_->add_root(r);
    if (!added.ok()) return added.status().with_context("--media-root: ");
  }
  MediaLibrary* media = s->media_.get();
  graph::PathGuard guard = [media](const std::string& p) { return media->resolve(p); };
  render::AnalysisStoreOptions ao;
  ao.dir = options.data_dir + "/analysis";
  ao.memory_bytes = options.analysis_memory_bytes;
  ao.disk_bytes = options.analysis_disk_bytes;
  auto analyses = std::make_shared<render::AnalysisStore>(ao);
  graph::ResourceLimits limits;
  limits.max_frame_pixels = options.max_frame_pixels;
  limits.max_working_set_bytes = options.max_working_set_bytes;
  if (limits.max_working_set_bytes < 0) {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    limits.max_working_set_bytes = pages > 0 && page > 0 ? int64_t(pages) * page / 2 : 0;
  }
  JobRunnerOptions jo;
  jo.limits = limits;
  jo.limits.frames_at_once = 3;  // the streaming render's frames in flight
  jo.analyses = analyses;
  jo.data_dir = options.data_dir;
  jo.workers = options.workers;
  jo.guard = guard;
  jo.events = &s->events_;
  FL_ASSIGN_OR_RETURN(s->jobs_, JobRunner::open(s->db_, jo));
  s->previews_ =
      std::make_unique<PreviewService>(guard, &s->events_, options.preview_cache_bytes, analyses);
  s->previews_->set_limits(limits);
  return s;
}

Status Service::start() { return jobs_->start(); }

void Service::stop() {
  if (jobs_) jobs_->stop();
  events_.close_all();
}

Result<nlohmann::json> Service::resolve_media(const nlohmann::json& graph) const {
  nlohmann::json g = graph;
  if (!g.is_object() || !g.contains("sources") || !g["sources"].is_object()) return g;
  for (auto& [id, src] : g["sources"].items()) {
    if (!src.is_object() || !src.contains("media")) continue;
    const std::string field = "sources." + id + ".media";
    if (!src["media"].is_string()) return invalid_argument(field + " must be a media id", field);
    auto item = media_->get(src["media"].get<std::string>());
    if (!item.ok()) return invalid_argument(item.status().message(), field);
    src.erase("media");
    src["path"] = item->path;
  }
  return g;
}

Result<LiveSession> Service::create_session(const security::Principal& who) {
  FL_ASSIGN_OR_RETURN(std::string rid, security::random_hex(8));
  LiveSession s;
  s.id = "s_" + rid;
  s.owner = who.name;
  s.updated_by = who.name;
  std::lock_guard lock(sessions_mu_);
  if (sessions_.size() >= 1000) return invalid_argument("too many live sessions", "session");
  sessions_[s.id] = s;
  events_.publish("session:" + s.id, {"session", s.to_json(), false}, true);
  return s;
}

Result<LiveSession> Service::get_session(const std::string& id) const {
  std::lock_guard lock(sessions_mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return not_found("no session '" + id + "'");
  return it->second;
}

Result<LiveSession> Service::update_session(const std::string& id, const nlohmann::json& state,
                                            int64_t if_version, const security::Principal& who) {
  if (!state.is_object()) return invalid_argument("state must be a JSON object", "state");
  if (json_text(state).size() > (size_t(1) << 20))
    return invalid_argument("session state is limited to 1 MiB", "state");
  std::lock_guard lock(sessions_mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return not_found("no session '" + id + "'");
  LiveSession& s = it->second;
  if (if_version >= 0 && if_version != s.version)
    return conflict("session '" + id + "' is at version " + std::to_string(s.version) + ", not " +
                        std::to_string(if_version),
                    "version");
  s.state = state;
  s.version += 1;
  s.updated_by = who.name;
  events_.publish("session:" + id, {"session", s.to_json(), false}, true);
  return s;
}

}  // namespace fl::service
