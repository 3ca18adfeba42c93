// `--policy FILE` on render, apply and still: the studio's policy, as the server applies it, to
// a render on this machine. The command runs as one role in one project (`--role`, `--project`);
// the policy's operator rules and protected likenesses decide before anything is written.
#include <filesystem>
#include <map>

#include "analysis/cast_json.h"
#include "cli.h"
#include "core/clock.h"
#include "io/frame_source.h"
#include "service/consent_store.h"
#include "service/content_check.h"
#include "service/likeness_check.h"
#include "service/node_operators.h"
#include "store/database.h"

namespace fl::cli {
namespace {

namespace fs = std::filesystem;

std::string canonical(const std::string& path) {
  std::error_code ec;
  auto c = fs::weakly_canonical(path, ec);
  return ec ? path : c.string();
}

// The cast of each source: a cast file given for it (`--cast`), else found now, named by the
// protected likenesses' references so that they are found by face as well as by name.
class Casts {
 public:
  Casts(const std::vector<std::string>& files, const service::ProtectedLikenesses& likenesses)
      : files_(files), likenesses_(likenesses) {}

  Result<std::shared_ptr<const analysis::Cast>> of(const graph::PlanNode& source) {
    const std::string key = canonical(source.path);
    if (auto it = made_.find(key); it != made_.end()) return it->second;
    if (!loaded_) {
      loaded_ = true;
      for (const auto& f : files_) {
        auto cast = analysis::read_cast_file(f);
        if (!cast.ok()) return Status(cast.status()).with_context("--cast: ");
        const std::string of = canonical(cast->path);
        given_[of] = std::make_shared<const analysis::Cast>(std::move(*cast));
      }
    }
    if (auto it = given_.find(key); it != given_.end()) return made_[key] = it->second;
    std::fprintf(stderr, "policy: finding the characters of %s (protected likenesses)\n",
                 fs::path(source.path).filename().c_str());
    FL_ASSIGN_OR_RETURN(auto reader, io::open_source(source.path, {}));
    FL_ASSIGN_OR_RETURN(auto cast, analysis::analyse_characters(*reader, likenesses_.references()));
    return made_[key] = std::make_shared<const analysis::Cast>(std::move(cast));
  }

 private:
  std::vector<std::string> files_;
  const service::ProtectedLikenesses& likenesses_;
  bool loaded_ = false;
  std::map<std::string, std::shared_ptr<const analysis::Cast>> given_, made_;
};

}  // namespace

void add_policy_flags(CLI::App* cmd, PolicyFlags& flags) {
  cmd->add_option("--policy", flags.file,
                  "The studio's policy file: its operator rules and protected likenesses decide "
                  "before anything is written (docs/security.md)");
  cmd->add_option("--project", flags.project, "The project the render is for (with --policy)");
  cmd->add_option("--role", flags.role, "The role it runs as: viewer, artist or admin");
  cmd->add_option("--cast", flags.casts,
                  "A cast file (`framelock characters --out`) of a source, used instead of "
                  "finding its characters again (repeatable)");
  cmd->add_option(
      "--data", flags.data,
      "The data directory whose recorded consents count (`framelock consent`), and whose "
      "audit log keeps the watermark's records");
}

Result<PolicyDecision> apply_policy(const PolicyFlags& flags, const graph::Graph& graph,
                                    const graph::Plan& plan, render::Renderer& renderer,
                                    const std::optional<graph::FrameRange>& range) {
  PolicyDecision decision;
  if (flags.file.empty()) {
    if (!flags.casts.empty()) return invalid_argument("--cast goes with --policy", "policy");
    return decision;
  }
  FL_ASSIGN_OR_RETURN(security::Policy policy, security::Policy::load(flags.file));
  if (!security::valid_project_id(flags.project))
    return invalid_argument("--project: '" + flags.project + "' is no project id", "project");
  auto role = security::parse_role(flags.role);
  if (!role) return invalid_argument("--role must be viewer, artist or admin", "role");
  security::Principal who;
  who.id = "cli";
  who.name = "command line";
  who.grant(flags.project, *role);
  const auto ops = service::node_operators(graph);
  FL_RETURN_IF_ERROR(policy.allows_operators(ops, who, flags.project));
  const bool generative = security::uses_ai_operator(ops);
  if (policy.content && policy.content->applies_in(flags.project) && generative) {
    auto check = std::make_shared<service::ContentCheck>(*policy.content);
    decision.content = check;
    decision.after = [check](const std::string& written, std::vector<std::string>& warnings) {
      const auto findings = check->findings();
      if (findings.empty()) return ok_status();
      if (check->rule().action == security::ContentAction::kHold) {
        std::error_code ec;
        fs::remove(written, ec);
        return permission_denied(
            "the studio's content policy (/content) holds this output for "
            "review (" +
            service::describe(findings.front()) +
            "); render it as a server job for a project admin to approve");
      }
      for (const auto& f : findings)
        warnings.push_back("the content policy flags " + written + ": " + service::describe(f));
      return ok_status();
    };
  }
  FL_ASSIGN_OR_RETURN(auto likenesses, service::ProtectedLikenesses::load(policy));
  if (!likenesses->any_in(flags.project)) return decision;
  service::LikenessRequest req;
  req.plan = &plan;
  req.project = flags.project;
  req.today = security::utc_date(unix_seconds());
  if (!flags.data.empty()) {
    const std::string db_path = flags.data + "/framelock.db";
    if (!fs::exists(db_path))
      return not_found("--data: '" + flags.data + "' holds no framelock data directory", "data");
    FL_ASSIGN_OR_RETURN(auto db, store::Database::open(db_path));
    FL_ASSIGN_OR_RETURN(auto consents, service::ConsentStore::open(
                                           std::shared_ptr<store::Database>(std::move(db))));
    FL_ASSIGN_OR_RETURN(req.consents, consents->list(flags.project));
  }
  Casts casts(flags.casts, *likenesses);
  req.cast_for = [&](const graph::PlanNode& source) { return casts.of(source); };
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    req.node = plan.outputs[i].node;
    req.first = range ? std::max(range->first, plan.outputs[i].first) : plan.outputs[i].first;
    req.last = range ? std::min(range->last, plan.outputs[i].last) : plan.outputs[i].last;
    FL_ASSIGN_OR_RETURN(auto uses, service::check_likenesses(*likenesses, renderer, req));
    for (const auto& u : uses) decision.notes.push_back(service::describe(u));
  }
  return decision;
}

}  // namespace fl::cli
