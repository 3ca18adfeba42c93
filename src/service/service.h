// The server's core, without HTTP: data directory, database, tokens, media library, jobs,
// previews, live sessions and their events, wired together. apps/server maps HTTP onto it; tests
// drive it directly.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "security/audit_log.h"
#include "security/policy.h"
#include "security/token_store.h"
#include "security/web_login.h"
#include "service/consent_store.h"
#include "service/event_hub.h"
#include "service/job_runner.h"
#include "service/likeness_check.h"
#include "service/media_library.h"
#include "service/previews.h"
#include "service/project_store.h"
#include "store/database.h"

namespace fl::service {

struct ServiceOptions {
  std::string data_dir;                  // created if missing (mode 0700)
  std::vector<std::string> media_roots;  // added to the stored roots
  int workers = 1;
  size_t preview_cache_bytes = size_t(2) << 30;
  // Analysis state, shared by the preview and job renderers, kept in memory under this budget
  // and on disk under data_dir/analysis (loaded again after a restart).
  size_t analysis_memory_bytes = size_t(1) << 30;
  int64_t analysis_disk_bytes = int64_t(8) << 30;
  // What one preview or job may ask (graph/limits.h), refused with 422 before rendering. A frame
  // of 8192x8192 covers every delivery format (DCI 8K is 8192x4320); the working set defaults
  // to half of this machine's memory (-1), 0 lifts the limit.
  int64_t max_frame_pixels = int64_t(8192) * 8192;
  int64_t max_working_set_bytes = -1;
  // Tried after the local tokens, in order (the studio's IdP: security/oidc.h).
  std::vector<std::shared_ptr<security::Authenticator>> authenticators;
  // The studio's policy file (security/policy.h): its operator rules are applied to every
  // preview and job; an operator it names that does not exist is refused at open.
  security::Policy policy;
  // The studio's watermark key (`framelock watermark keygen`): outputs of graphs with a
  // generative operator are marked with it, every output with `watermark_all`. Empty: none.
  std::string watermark_key;
  bool watermark_all = false;
  // The signer of every output's Content Credentials (C2PA): the studio's ES256 key and its
  // certificate chain, PEM. Empty: the installation's own, made in data_dir/c2pa-signer.
  std::string sign_key, sign_cert;
};

// A live direction session: what the colourist is looking at, shared with everyone watching.
struct LiveSession {
  std::string id;
  std::string project;
  std::string owner;
  nlohmann::json state = nlohmann::json::object();  // media, graph, frame, compare... (client's)
  int64_t version = 0;
  std::string updated_by;
  nlohmann::json to_json() const;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> open(ServiceOptions options);
  ~Service();

  Status start();  // resumes interrupted jobs
  void stop();     // parks running jobs, ends event streams

  security::Authenticator& auth() { return *auth_; }
  security::TokenStore& tokens() { return *tokens_; }
  // DATA/audit, signed with DATA/keys/audit-ed25519.key (docs/security.md).
  security::AuditLog& audit() { return *audit_; }
  // True the first time this process sees a credential (by its fingerprint) succeed: a sign-in,
  // audited once rather than on every request it makes.
  bool first_use(const std::string& fingerprint);
  ProjectStore& projects() { return *projects_; }
  // Consents to alter the policy's protected likenesses, recorded per project.
  ConsentStore& consents() { return *consents_; }
  const security::Policy& policy() const { return options_.policy; }
  // Is the render of `plan`'s node (frames first..last) in `project` allowed by the
  // policy's protected likenesses (service/likeness_check.h)? The notes say which consents it
  // rests on; permission_denied names the node and the person; conflict when footage it would
  // alter has no cast to check against.
  Result<std::vector<std::string>> admit_render(const std::string& project, const graph::Plan& plan,
                                                int node, int64_t first, int64_t last,
                                                render::Renderer& renderer) const;
  // The pages signed in with a cookie (security/web_login.h).
  security::WebSessions& web_sessions() { return web_sessions_; }
  // The credential's principal with the roles its project memberships add.
  Result<security::Principal> authenticate(std::string_view credential);
  MediaLibrary& media() { return *media_; }
  JobRunner& jobs() { return *jobs_; }
  // The Content Credentials of a job's output, validated; the server's own signer's chain is
  // trusted (GET /v1/jobs/{id}/provenance).
  Result<nlohmann::json> output_provenance(const std::string& path) const;
  PreviewService& previews() { return *previews_; }
  EventHub& events() { return events_; }
  const std::string& data_dir() const { return options_.data_dir; }

  // Graph sources may name registered media ({"media": "m_..."}) instead of paths; this puts
  // the media's path in, and finds the project the graph belongs to: `project` when given, else
  // the one its sources lie in (media the caller cannot see are no media; sources in two
  // projects are refused), else the default project. Errors name the source field.
  struct ResolvedGraph {
    nlohmann::json graph;
    std::string project;
  };
  Result<ResolvedGraph> resolve_media(const nlohmann::json& graph, const security::Principal& who,
                                      const std::optional<std::string>& project) const;

  // May `who` use every operator of `graph` in `project` (the policy's operator rules)? Else
  // permission_denied naming the operator and the rule.
  Status check_operators(const security::Principal& who, const std::string& project,
                         const nlohmann::json& graph) const;

  // Character analysis (POST /v1/media/{id}/characters): a job over the media, named by
  // references given as media ids ({"references": [{"name": "Roxanne", "media": "m_..."}]}).
  // Errors name the body field.
  Result<JobInfo> analyse_characters(const security::Principal& who, const std::string& media_id,
                                     const nlohmann::json& body);
  // The media's cast (docs/characters.md); kNotFound until a characters job has made one.
  Result<nlohmann::json> cast_of(const std::string& media_id) const;
  // A correction ({"op": "rename", "id": 2, "name": "Hal"}, {"op": "merge", "into": 1, "id":
  // 4}, {"op": "split", "id": 1, "first": 154, "last": 199, "name": "..."}) applied to the
  // media's cast and kept in its log; the corrected cast.
  Result<nlohmann::json> correct_cast(const std::string& media_id, const nlohmann::json& body);

  // A studio admin's deletion of a project (docs/security.md): refused (kConflict, nothing
  // changed) while it holds media roots or unfinished jobs. Its jobs and their files go, its
  // tokens and consents are revoked (kept, marked), its members and live sessions end, so that
  // a project made later with the same id starts empty. The default project stays.
  Status delete_project(const std::string& id);

  Result<LiveSession> create_session(const security::Principal& who, const std::string& project);
  Result<LiveSession> get_session(const std::string& id) const;
  // `if_version` (when >= 0) must match the current version, else kInvalidArgument on field
  // "version" (HTTP 409): two people editing at once do not silently overwrite each other.
  Result<LiveSession> update_session(const std::string& id, const nlohmann::json& state,
                                     int64_t if_version, const security::Principal& who);

 private:
  explicit Service(ServiceOptions options) : options_(std::move(options)) {}
  ServiceOptions options_;
  std::shared_ptr<store::Database> db_;
  std::shared_ptr<security::TokenStore> tokens_;
  std::unique_ptr<ProjectStore> projects_;
  std::unique_ptr<ConsentStore> consents_;
  std::shared_ptr<const ProtectedLikenesses> likenesses_;
  security::WebSessions web_sessions_;
  std::shared_ptr<security::ChainAuthenticator> auth_;
  std::shared_ptr<security::AuditLog> audit_;
  std::shared_ptr<const c2pa::SigningIdentity> signer_;
  std::mutex seen_mu_;
  std::unordered_set<std::string> seen_credentials_;
  std::unique_ptr<MediaLibrary> media_;
  EventHub events_;
  std::unique_ptr<JobRunner> jobs_;
  std::unique_ptr<PreviewService> previews_;
  std::mutex cast_mu_;  // one correction at a time
  mutable std::mutex sessions_mu_;
  std::map<std::string, LiveSession> sessions_;
};

}  // namespace fl::service
