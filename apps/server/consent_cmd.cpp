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

}  // namespace

void add_consent_command(CLI::App& app, Status* result) {
  auto* cmd = app.add_subcommand(
      "consent",
      "Consents to alter a protected likeness (the policy's likenesses): grant, list, revoke");
  cmd->require_subcommand(1);
  struct Args {
    std::string data = kDefaultData, project = std::string(security::kDefaultProject);
    std::string likeness, granted_by, until, note, id;
    std::vector<std::string> ops;
  };
  auto a = std::make_shared<Args>();
  {
    auto* grant = cmd->add_subcommand("grant", "Record a consent");
    grant->add_option("--data", a->data, "The data directory of `framelock serve`");
    grant->add_option("--project", a->project, "The project it holds in");
    grant->add_option("--likeness", a->likeness, "The likeness's id in the policy")->required();
    grant
        ->add_option("--granted-by", a->granted_by,
                     "Who gave it (the person, or who signed for them)")
        ->required();
    grant->add_option("--until", a->until, "The last day it holds (YYYY-MM-DD, UTC)")->required();
    grant->add_option("--op", a->ops, "An operator it covers (repeatable; none: every one)");
    grant->add_option("--note", a->note, "The contract or release it rests on");
    grant->callback([a, result] {
      nlohmann::json j = {{"likeness", a->likeness},
                          {"project", a->project},
                          {"granted_by", a->granted_by},
                          {"until", a->until},
                          {"note", a->note}};
      if (!a->ops.empty()) j["ops"] = a->ops;
      auto consent = security::consent_from_json(j);
      if (!consent.ok()) {
        *result = Status(consent.status()).with_context("--" + consent.status().field() + ": ");
        return;
      }
      auto svc = open_data(a->data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      if (!(*svc)->projects().exists(a->project)) {
        *result = not_found("no project '" + a->project + "'", "project");
        return;
      }
      auto recorded = (*svc)->consents().record(*consent, "cli");
      if (!recorded.ok()) {
        *result = recorded.status();
        return;
      }
      *result = audit_consent(**svc, "grant", *recorded);
      if (result->ok()) std::printf("%s\n", recorded->id.c_str());
    });
  }
  {
    auto* list = cmd->add_subcommand("list", "A project's consents in force, as JSON lines");
    list->add_option("--data", a->data, "The data directory of `framelock serve`");
    list->add_option("--project", a->project, "The project");
    list->callback([a, result] {
      auto svc = open_data(a->data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      auto consents = (*svc)->consents().list(a->project);
      if (!consents.ok()) {
        *result = consents.status();
        return;
      }
      for (const auto& c : *consents)
        std::printf("%s\n", json_text(security::consent_to_json(c)).c_str());
    });
  }
  {
    auto* revoke = cmd->add_subcommand("revoke", "Revoke a consent (its record is kept, marked)");
    revoke->add_option("id", a->id, "The consent's id (c_...)")->required();
    revoke->add_option("--data", a->data, "The data directory of `framelock serve`");
    revoke->add_option("--project", a->project, "The project it holds in");
    revoke->callback([a, result] {
      auto svc = open_data(a->data);
      if (!svc.ok()) {
        *result = svc.status();
        return;
      }
      auto revoked = (*svc)->consents().revoke(a->project, a->id);
      if (!revoked.ok()) {
        *result = revoked.status();
        return;
      }
      *result = audit_consent(**svc, "revoke", *revoked);
    });
  }
}

}  // namespace fl::server
