#include "service/service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "analysis/cast_edit.h"
#include "analysis/cast_json.h"
#include "core/clock.h"
#include "core/json_text.h"
#include "io/frame_source.h"
#include "ml/models.h"
#include "ops/register.h"
#include "provenance/c2pa/reader.h"
#include "provenance/output_manifest.h"
#include "provenance/watermark_key.h"
#include "service/node_operators.h"

namespace fl::service {

namespace fs = std::filesystem;

nlohmann::json LiveSession::to_json() const {
  return {{"id", id},
          {"project", project},
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
  // A rule naming an operator that does not exist protects nothing: a misspelling must not pass.
  for (const auto& rule : options.policy.operator_rules)
    for (const auto& op : rule.ops)
      if (!ops::builtin_registry().find(op))
        return invalid_argument("the policy file: " + rule.pointer + "/ops: no operator '" + op +
                                    "' (framelock ops lists them)",
                                "policy");
  std::unique_ptr<Service> s(new Service(options));
  FL_ASSIGN_OR_RETURN(s->db_, store::Database::open(options.data_dir + "/framelock.db"));
  FL_ASSIGN_OR_RETURN(s->tokens_, security::TokenStore::open(s->db_));
  FL_ASSIGN_OR_RETURN(s->projects_, ProjectStore::open(s->db_));
  FL_ASSIGN_OR_RETURN(s->consents_, ConsentStore::open(s->db_));
  FL_ASSIGN_OR_RETURN(s->likenesses_, ProtectedLikenesses::load(options.policy));
  // A content rule with no classifier to run would fail every generative job: say so at start.
  if (options.policy.content) {
    auto model = ml::verified_model_path(ml::ModelId::kContentClassifier);
    if (!model.ok()) return model.status().with_context("the policy's /content: ");
  }
  FL_ASSIGN_OR_RETURN(auto audit,
                      security::AuditLog::open(security::audit_options_for(options.data_dir)));
  s->audit_ = std::move(audit);
  s->auth_ = std::make_shared<security::ChainAuthenticator>();
  s->auth_->add(s->tokens_);
  for (const auto& a : s->options_.authenticators) s->auth_->add(a);
  FL_ASSIGN_OR_RETURN(
      s->media_, MediaLibrary::open(s->db_, [](const std::string& p) { return io::probe(p); }));
  s->media_->protect(options.data_dir);
  for (const auto& r : options.media_roots) {
    auto added = s->media_->add_root(std::string(security::kDefaultProject), r);
    if (!added.ok()) return added.status().with_context("--media-root: ");
  }
  MediaLibrary* media = s->media_.get();
  const std::string data_dir = options.data_dir;
  // A project's graphs read its media roots only. `cast:MEDIA_ID` names a registered media's
  // cast (what its characters job found, with the corrections made since), so a graph from the
  // page can use it without a server path.
  auto guard_for = [media, data_dir](const std::string& project) -> graph::PathGuard {
    return [media, data_dir, project](const std::string& p) -> Result<std::string> {
      if (p.rfind(kMediaCastScheme, 0) != 0) return media->resolve(p, project);
      const std::string id = p.substr(kMediaCastScheme.size());
      auto item = media->get(id);
      if (!item.ok() || item->project != project) return not_found("no media '" + id + "'");
      std::string path = media_cast_path(data_dir, item->id);
      std::error_code ec;
      if (!fs::exists(path, ec))
        return not_found("media '" + item->id + "' has no cast yet: POST /v1/media/" + item->id +
                         "/characters finds its characters");
      return path;
    };
  };
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
  jo.guard_for = guard_for;
  jo.events = &s->events_;
  jo.audit = s->audit_;
  if (options.watermark_all && options.watermark_key.empty())
    return invalid_argument("--watermark-all needs --watermark-key", "watermark");
  if (!options.watermark_key.empty()) {
    auto key = provenance::read_watermark_key(options.watermark_key);
    if (!key.ok()) return key.status().with_context("--watermark-key: ");
    jo.watermark = std::make_shared<provenance::MarkLayout>(*key);
    jo.watermark_all = options.watermark_all;
  }
  // Checked before any job runs: a signer that cannot sign stops the server, not a delivery.
  auto signer = provenance::open_signer(options.sign_key, options.sign_cert, options.data_dir);
  if (!signer.ok()) return signer.status().with_context("Content Credentials: ");
  jo.signer = *signer;
  s->signer_ = *signer;
  if (const auto& rule = s->options_.policy.content) {
    jo.content_check = [rule = *rule](const JobSpec& spec) -> std::shared_ptr<ContentCheck> {
      if (!rule.applies_in(spec.project) || !security::uses_ai_operator(node_operators(spec.graph)))
        return nullptr;
      return std::make_shared<ContentCheck>(rule);
    };
  }
  jo.admit = [svc = s.get()](const JobSpec& spec, const graph::Plan& plan, int64_t first,
                             int64_t last, render::Renderer& renderer) {
    return svc->admit_render(spec.project, plan, plan.outputs.front().node, first, last, renderer);
  };
  FL_ASSIGN_OR_RETURN(s->jobs_, JobRunner::open(s->db_, jo));
  s->previews_ = std::make_unique<PreviewService>(guard_for, &s->events_,
                                                  options.preview_cache_bytes, analyses);
  s->previews_->set_limits(limits);
  s->previews_->set_admit([svc = s.get()](const std::string& project, const graph::Plan& plan,
                                          int node, int64_t frame, render::Renderer& renderer) {
    return svc->admit_render(project, plan, node, frame, frame, renderer).status();
  });
  return s;
}

Status Service::start() { return jobs_->start(); }

void Service::stop() {
  if (jobs_) jobs_->stop();
  events_.close_all();
}

bool Service::first_use(const std::string& fingerprint) {
  std::lock_guard lock(seen_mu_);
  // Bounded: past this, sign-ins are recorded again (more records, never fewer).
  if (seen_credentials_.size() >= 100'000) seen_credentials_.clear();
  return seen_credentials_.insert(fingerprint).second;
}

Result<security::Principal> Service::authenticate(std::string_view credential) {
  FL_ASSIGN_OR_RETURN(security::Principal who, auth_->authenticate(credential));
  FL_RETURN_IF_ERROR(projects_->add_memberships(who));
  return who;
}

Result<Service::ResolvedGraph> Service::resolve_media(
    const nlohmann::json& graph, const security::Principal& who,
    const std::optional<std::string>& project) const {
  ResolvedGraph out{graph, project.value_or("")};
  nlohmann::json& g = out.graph;
  std::string found, found_field;  // the project the sources lie in, and the first that said so
  auto lies_in = [&](const std::string& p, const std::string& field) -> Status {
    if (project && p != *project)
      return invalid_argument(field + " lies outside project '" + *project + "'", field);
    if (!found.empty() && p != found)
      return invalid_argument(
          field + " and " + found_field + " lie in two projects: a render belongs to one", field);
    found = p;
    found_field = field;
    return Status();
  };
  const ProjectFilter visible = [&who](const std::string& p) { return who.role_in(p).has_value(); };
  if (g.is_object() && g.contains("sources") && g["sources"].is_object()) {
    for (auto& [id, src] : g["sources"].items()) {
      if (!src.is_object()) continue;
      const std::string field = "sources." + id;
      if (src.contains("media")) {
        if (!src["media"].is_string())
          return invalid_argument(field + ".media must be a media id", field + ".media");
        const std::string mid = src["media"].get<std::string>();
        auto item = media_->get(mid);
        // Another project's media are no media at all: the answer is the same.
        if (!item.ok() || !visible(item->project))
          return invalid_argument("no media '" + mid + "'", field + ".media");
        FL_RETURN_IF_ERROR(lies_in(item->project, field + ".media"));
        src.erase("media");
        src["path"] = item->path;
      } else if (src.contains("path") && src["path"].is_string()) {
        // Outside the caller's roots is outside all of them: no word of another project's.
        auto at = media_->locate(src["path"].get<std::string>(), visible);
        if (!at.ok()) return at.status().with_field(field + ".path");
        FL_RETURN_IF_ERROR(lies_in(at->project, field + ".path"));
      }
    }
  }
  if (out.project.empty())
    out.project = found.empty() ? std::string(security::kDefaultProject) : found;
  return out;
}

Status Service::check_operators(const security::Principal& who, const std::string& project,
                                const nlohmann::json& graph) const {
  if (options_.policy.operator_rules.empty()) return ok_status();
  return options_.policy.allows_operators(node_operators(graph), who, project);
}

Result<JobInfo> Service::analyse_characters(const security::Principal& who,
                                            const std::string& media_id,
                                            const nlohmann::json& body) {
  FL_ASSIGN_OR_RETURN(MediaItem item, media_->get(media_id));
  JobSpec spec;
  spec.project = item.project;
  spec.kind = "characters";
  spec.characters.media = item.id;
  spec.characters.path = item.path;
  if (!body.is_null() && !body.is_object())
    return invalid_argument("the request body must be a JSON object");
  if (body.is_object() && body.contains("references")) {
    const auto& refs = body["references"];
    if (!refs.is_array()) return invalid_argument("references must be an array", "references");
    for (size_t i = 0; i < refs.size(); ++i) {
      const std::string field = "references[" + std::to_string(i) + "]";
      const auto& r = refs[i];
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string() ||
          r["name"].get<std::string>().empty() || !r.contains("media") || !r["media"].is_string())
        return invalid_argument(field + " must be {\"name\": NAME, \"media\": MEDIA_ID}", field);
      const std::string ref_id = r["media"].get<std::string>();
      auto ref = media_->get(ref_id);
      // A reference from another project is no media here.
      if (!ref.ok() || ref->project != item.project)
        return invalid_argument("no media '" + ref_id + "'", field + ".media");
      spec.characters.references.emplace_back(r["name"].get<std::string>(), ref->path);
    }
  }
  return jobs_->submit(who, std::move(spec));
}

Result<std::vector<std::string>> Service::admit_render(const std::string& project,
                                                       const graph::Plan& plan, int node,
                                                       int64_t first, int64_t last,
                                                       render::Renderer& renderer) const {
  if (!likenesses_->any_in(project)) return std::vector<std::string>{};
  LikenessRequest req;
  req.plan = &plan;
  req.node = node;
  req.first = first;
  req.last = last;
  req.project = project;
  req.today = security::utc_date(unix_seconds());
  FL_ASSIGN_OR_RETURN(req.consents, consents_->list(project));
  // The cast a characters job made for the source's media (with the corrections made since).
  req.cast_for =
      [&](const graph::PlanNode& source) -> Result<std::shared_ptr<const analysis::Cast>> {
    FL_ASSIGN_OR_RETURN(auto found, media_->find(project, source.path));
    if (!found)
      return conflict("its source '" + fs::path(source.path).filename().string() +
                      "' is not registered, so it has no cast to check them against: POST "
                      "/v1/media registers it, then POST /v1/media/{id}/characters finds its "
                      "characters");
    const MediaItem& item = *found;
    const std::string path = jobs_->cast_path(item.id);
    std::error_code ec;
    if (!fs::exists(path, ec))
      return conflict("its source '" + fs::path(item.path).filename().string() + "' (media " +
                      item.id + ") has no cast to check them against yet: POST /v1/media/" +
                      item.id + "/characters finds its characters");
    FL_ASSIGN_OR_RETURN(analysis::Cast cast, analysis::read_cast_file(path));
    return std::make_shared<const analysis::Cast>(std::move(cast));
  };
  FL_ASSIGN_OR_RETURN(auto uses, check_likenesses(*likenesses_, renderer, req));
  std::vector<std::string> notes;
  for (const auto& u : uses) notes.push_back(describe(u));
  return notes;
}

Result<nlohmann::json> Service::cast_of(const std::string& media_id) const {
  FL_ASSIGN_OR_RETURN(MediaItem item, media_->get(media_id));
  std::error_code ec;
  if (!std::filesystem::exists(jobs_->cast_path(item.id), ec))
    return not_found("media '" + item.id + "' has no cast yet: POST /v1/media/" + item.id +
                     "/characters analyses it");
  FL_ASSIGN_OR_RETURN(analysis::Cast cast, analysis::read_cast_file(jobs_->cast_path(item.id)));
  return analysis::cast_to_json(cast);
}

Result<nlohmann::json> Service::correct_cast(const std::string& media_id,
                                             const nlohmann::json& body) {
  FL_ASSIGN_OR_RETURN(MediaItem item, media_->get(media_id));
  if (!body.is_object() || !body.contains("op") || !body["op"].is_string())
    return invalid_argument("a correction is {\"op\": \"rename\"|\"merge\"|\"split\", ...}", "op");
  auto integer = [&](const char* key) -> Result<int64_t> {
    if (!body.contains(key) || !body[key].is_number_integer() || body[key].get<int64_t>() < 0)
      return invalid_argument(std::string(key) + " must be a whole number", key);
    return body[key].get<int64_t>();
  };
  const std::string op = body["op"].get<std::string>();
  const std::string name = body.contains("name") && body["name"].is_string()
                               ? body["name"].get<std::string>()
                               : std::string();
  std::lock_guard lock(cast_mu_);
  FL_ASSIGN_OR_RETURN(nlohmann::json current, cast_of(item.id));
  FL_ASSIGN_OR_RETURN(analysis::Cast cast, analysis::cast_from_json(current));
  FL_ASSIGN_OR_RETURN(int64_t id, integer("id"));
  if (op == "rename") {
    FL_RETURN_IF_ERROR(analysis::rename_character(cast, int(id), name).with_field("name"));
  } else if (op == "merge") {
    FL_ASSIGN_OR_RETURN(int64_t into, integer("into"));
    FL_RETURN_IF_ERROR(analysis::merge_characters(cast, int(into), int(id)).with_field("id"));
  } else if (op == "split") {
    FL_ASSIGN_OR_RETURN(int64_t first, integer("first"));
    FL_ASSIGN_OR_RETURN(int64_t last, integer("last"));
    auto made = analysis::split_character(cast, int(id), first, last, name);
    if (!made.ok()) return made.status().with_field("id");
  } else {
    return invalid_argument("op must be rename, merge or split", "op");
  }
  nlohmann::json out = analysis::cast_to_json(cast);
  FL_RETURN_IF_ERROR(OutputPipeline::plain().write_file(
      {jobs_->cast_path(item.id), OutputKind::kReport, "characters", {}},
      json_text(out, 1) + "\n"));
  return out;
}

Status Service::delete_project(const std::string& id) {
  if (id == security::kDefaultProject)
    return conflict("the default project cannot be deleted", "id");
  FL_ASSIGN_OR_RETURN(Project project, projects_->get(id));
  FL_ASSIGN_OR_RETURN(auto roots, media_->roots([&id](const std::string& p) { return p == id; }));
  if (!roots.empty())
    return conflict("project '" + id + "' still has " + std::to_string(roots.size()) +
                        " media root(s): remove them first (DELETE /v1/roots?path=...)",
                    "roots");
  FL_RETURN_IF_ERROR(jobs_->remove_project_jobs(id).status());
  FL_ASSIGN_OR_RETURN(auto tokens, tokens_->list());
  for (const auto& t : tokens)
    if (!t.revoked && t.grant.project == id) FL_RETURN_IF_ERROR(tokens_->revoke(t.id));
  FL_RETURN_IF_ERROR(consents_->revoke_all(id));
  FL_RETURN_IF_ERROR(projects_->remove(project.id));
  std::vector<std::string> ended;
  {
    std::lock_guard lock(sessions_mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();)
      if (it->second.project == id) {
        ended.push_back(it->first);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
  }
  for (const auto& s : ended)
    events_.publish("session:" + s, {"ended", {{"reason", "project deleted"}}, true}, true);
  return ok_status();
}

Result<LiveSession> Service::create_session(const security::Principal& who,
                                            const std::string& project) {
  FL_ASSIGN_OR_RETURN(std::string rid, security::random_hex(8));
  LiveSession s;
  s.id = "s_" + rid;
  s.project = project;
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

Result<nlohmann::json> Service::output_provenance(const std::string& path) const {
  FL_ASSIGN_OR_RETURN(
      c2pa::ManifestReport report,
      c2pa::read_and_validate(path, signer_ ? signer_->anchor_pem() : std::string()));
  nlohmann::json out = report.to_json();
  out["file"] = std::filesystem::path(path).filename().string();  // not the server's own layout
  return out;
}

}  // namespace fl::service
