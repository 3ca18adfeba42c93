// `framelock consent grant|list|revoke`: consents to alter a protected likeness, recorded in the
// data directory as a project admin records them through the API, and audited the same way.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "serve_cmd.h"
#include "service/service.h"

namespace fl::server {

namespace {

Status audit_consent(service::Service& svc, const char* action, const security::Consent& c) {
  return svc.audit()
      .append({{"type", "consent"},
               {"action", action},
               {"via", "cli"},
               {"project", c.project},
               {"consent", security::consent_to_json(c)}})
      .status();
}

struct ConsentArgs {
  std::string data = kDefaultData, project = std::string(security::kDefaultProject);
  std::string likeness, granted_by, until, note, id;
  std::vector<std::string> ops;
};

Status grant(const ConsentArgs& a) {
  nlohmann::json j = {{"likeness", a.likeness},
                      {"project", a.project},
                      {"granted_by", a.granted_by},
                      {"until", a.until},
                      {"note", a.note}};
  if (!a.ops.empty()) j["ops"] = a.ops;
  auto consent = security::consent_from_json(j);
  if (!consent.ok())
    return Status(consent.status()).with_context("--" + consent.status().field() + ": ");
  FL_ASSIGN_OR_RETURN(auto svc, open_data(a.data));
  if (!svc->projects().exists(a.project))
    return not_found("no project '" + a.project + "'", "project");
  FL_ASSIGN_OR_RETURN(auto recorded, svc->consents().record(*consent, "cli"));
  FL_RETURN_IF_ERROR(audit_consent(*svc, "grant", recorded));
  std::printf("%s\n", recorded.id.c_str());
  return ok_status();
}

Status list(const ConsentArgs& a) {
  FL_ASSIGN_OR_RETURN(auto svc, open_data(a.data));
  FL_ASSIGN_OR_RETURN(auto consents, svc->consents().list(a.project));
  for (const auto& c : consents)
    std::printf("%s\n", json_text(security::consent_to_json(c)).c_str());
  return ok_status();
}

Status revoke(const ConsentArgs& a) {
  FL_ASSIGN_OR_RETURN(auto svc, open_data(a.data));
  FL_ASSIGN_OR_RETURN(auto revoked, svc->consents().revoke(a.project, a.id));
  return audit_consent(*svc, "revoke", revoked);
}

}  // namespace

void add_consent_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "consent",
      "Consents to alter a protected likeness (the policy's likenesses): grant, list, revoke");
  cmd->require_subcommand(1);
  auto a = std::make_shared<ConsentArgs>();
  {
    auto* grant_cmd = cmd->add_subcommand("grant", "Record a consent");
    grant_cmd->add_option("--data", a->data, "The data directory of `framelock serve`");
    grant_cmd->add_option("--project", a->project, "The project it holds in");
    grant_cmd->add_option("--likeness", a->likeness, "The likeness's id in the policy")->required();
    grant_cmd
        ->add_option("--granted-by", a->granted_by,
                     "Who gave it (the person, or who signed for them)")
        ->required();
    grant_cmd->add_option("--until", a->until, "The last day it holds (YYYY-MM-DD, UTC)")
        ->required();
    grant_cmd->add_option("--op", a->ops, "An operator it covers (repeatable; none: every one)");
    grant_cmd->add_option("--note", a->note, "The contract or release it rests on");
    grant_cmd->callback([a, result] { *result = grant(*a); });
  }
  {
    auto* list_cmd = cmd->add_subcommand("list", "A project's consents in force, as JSON lines");
    list_cmd->add_option("--data", a->data, "The data directory of `framelock serve`");
    list_cmd->add_option("--project", a->project, "The project");
    list_cmd->callback([a, result] { *result = list(*a); });
  }
  {
    auto* revoke_cmd =
        cmd->add_subcommand("revoke", "Revoke a consent (its record is kept, marked)");
    revoke_cmd->add_option("id", a->id, "The consent's id (c_...)")->required();
    revoke_cmd->add_option("--data", a->data, "The data directory of `framelock serve`");
    revoke_cmd->add_option("--project", a->project, "The project it holds in");
    revoke_cmd->callback([a, result] { *result = revoke(*a); });
  }
}

}  // namespace fl::server
