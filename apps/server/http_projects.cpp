// Projects and who works on them: the studio admin makes projects; a project's admins manage its
// members, its media roots and the tokens granted in it. Another project's things answer 404,
// as missing ones do (docs/security.md).
#include "http_auth.h"
#include "security/token_store.h"

namespace fl::server {

namespace {

using security::Action;
using security::Principal;
using security::Role;

nlohmann::json token_json(const security::TokenInfo& t) {
  nlohmann::json out = {
      {"id", t.id},
      {"name", t.name},
      {"role", security::role_name(t.grant.role)},
      {"project", t.grant.project ? nlohmann::json(*t.grant.project) : nlohmann::json()},
      {"studio_admin", t.grant.studio_admin()},
      {"created", t.created},
      {"revoked", t.revoked}};
  return out;
}

nlohmann::json project_json(const service::Project& p, const Principal& who) {
  auto role = who.role_in(p.id);
  return {{"id", p.id},
          {"name", p.name},
          {"created", p.created},
          {"role", role ? nlohmann::json(security::role_name(*role)) : nlohmann::json()}};
}

// Is the caller admin anywhere (their lists of roots, members and tokens are then theirs to
// see, filtered)? Otherwise 403: there is nothing such a caller may manage.
bool manages_any(const Principal& who, net::HttpResponse& res, Action action) {
  if (who.studio_admin) return true;
  for (const auto& [p, role] : who.roles)
    if (security::role_allows(role, action)) return true;
  request_caller().refusal = "role may not " + std::string(security::action_name(action));
  send_error(
      res, permission_denied("no role of yours may " + std::string(security::action_name(action))),
      403);
  return false;
}

void install_projects(service::Service& svc, const AddRoute& route) {
  route("GET", "/v1/projects", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto all = svc.projects().list();
    if (!all.ok()) return send_error(res, all.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : *all)
      if (who->role_in(p.id)) out.push_back(project_json(p, *who));
    send_json(res, 200, {{"projects", out}});
  });
  route("POST", "/v1/projects", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authorize(svc, req, res, Action::kManageProjects);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    if (!body->is_object() || !body->contains("id") || !(*body)["id"].is_string())
      return send_error(res, invalid_argument("'id' (the project's id: show-a) is required", "id"));
    const std::string name = body->contains("name") && (*body)["name"].is_string()
                                 ? (*body)["name"].get<std::string>()
                                 : std::string();
    auto p = svc.projects().create((*body)["id"].get<std::string>(), name, who->id);
    if (!p.ok()) return send_error(res, p.status());
    request_caller().project = p->id;
    send_json(res, 201, project_json(*p, *who));
  });
  route("GET", R"(/v1/projects/([a-z0-9][a-z0-9_-]*))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kViewMedia, id, no_project(id))) return;
          auto p = svc.projects().get(id);
          if (!p.ok()) return send_error(res, p.status());
          send_json(res, 200, project_json(*p, *who));
        });
  route("DELETE", R"(/v1/projects/([a-z0-9][a-z0-9_-]*))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authorize(svc, req, res, Action::kManageProjects);
          if (!who) return;
          const std::string id = req.matches[1];
          request_caller().project = id;
          Status s = svc.delete_project(id);
          if (!s.ok()) return send_error(res, s);
          send_json(res, 200, {{"id", id}, {"deleted", true}});
        });
  route("GET", R"(/v1/projects/([a-z0-9][a-z0-9_-]*)/members)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kManageMembers, id, no_project(id))) return;
          auto members = svc.projects().members(id);
          if (!members.ok()) return send_error(res, members.status());
          nlohmann::json out = nlohmann::json::array();
          for (const auto& m : *members)
            out.push_back({{"principal", m.principal},
                           {"role", security::role_name(m.role)},
                           {"added", m.added},
                           {"added_by", m.added_by},
                           {"via", "member"}});
          // Tokens granted in the project are members too, by their own grant.
          auto tokens = svc.tokens().list();
          if (!tokens.ok()) return send_error(res, tokens.status());
          for (const auto& t : *tokens)
            if (!t.revoked && t.grant.project == id)
              out.push_back({{"principal", t.id},
                             {"name", t.name},
                             {"role", security::role_name(t.grant.role)},
                             {"added", t.created},
                             {"via", "token"}});
          // Everyone in an IdP group the policy maps onto the project (identity.groups): who
          // they are is the IdP's to say, so the group stands for them.
          for (const auto& [group, grants] : svc.policy().group_grants)
            for (const auto& g : grants)
              if (g.project == id)
                out.push_back({{"principal", "group:" + group},
                               {"role", security::role_name(g.role)},
                               {"via", "idp group"}});
          send_json(res, 200, {{"members", out}});
        });
  route("PUT", R"(/v1/projects/([a-z0-9][a-z0-9_-]*)/members/([^/]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kManageMembers, id, no_project(id))) return;
          auto role_text = string_field(req, res, "role", "viewer, artist or admin");
          if (!role_text) return;
          auto role = security::parse_role(*role_text);
          if (!role)
            return send_error(res,
                              invalid_argument("'role' must be viewer, artist or admin", "role"));
          const std::string principal = req.matches[2];
          Status s = svc.projects().set_member(id, principal, *role, who->id);
          if (!s.ok()) return send_error(res, s);
          send_json(res, 200, {{"project", id}, {"principal", principal}, {"role", *role_text}});
        });
  route("DELETE", R"(/v1/projects/([a-z0-9][a-z0-9_-]*)/members/([^/]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kManageMembers, id, no_project(id))) return;
          const std::string principal = req.matches[2];
          Status s = svc.projects().remove_member(id, principal);
          if (!s.ok()) return send_error(res, s);
          send_json(res, 200, {{"project", id}, {"principal", principal}, {"removed", true}});
        });
}

void install_roots(service::Service& svc, const AddRoute& route) {
  route("GET", "/v1/roots", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    // ?project= answers for that project (404 to outsiders); the whole list needs an admin.
    if (!req.has_param("project") && !manages_any(*who, res, Action::kManageRoots)) return;
    auto filter = visible_projects(svc, *who, req, res, Action::kManageRoots);
    if (!filter) return;
    auto roots = svc.media().roots(*filter);
    if (!roots.ok()) return send_error(res, roots.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *roots) out.push_back({{"path", r.path}, {"project", r.project}});
    send_json(res, 200, {{"roots", out}});
  });
  route("POST", "/v1/roots", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto project = project_field(*body, res);
    if (!project) return;
    const std::string in = project->empty() ? std::string(security::kDefaultProject) : *project;
    if (!permit(svc, *who, res, Action::kManageRoots, in, no_project(in))) return;
    if (!body->is_object() || !body->contains("path") || !(*body)["path"].is_string())
      return send_error(res, invalid_argument("'path' (a directory) is required", "path"));
    auto root = svc.media().add_root(in, (*body)["path"].get<std::string>());
    if (!root.ok()) return send_body_error(res, root.status());
    send_json(res, 201, {{"path", *root}, {"project", in}});
  });
  route("DELETE", "/v1/roots", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    if (!req.has_param("path"))
      return send_error(res, invalid_argument("?path= names the root to remove", "path"), 400);
    const std::string path = req.param("path");
    const Status missing = not_found("'" + path + "' is not a media root", "path");
    auto root = svc.media().find_root(path);
    if (!root.ok()) return send_error(res, missing);
    if (!permit(svc, *who, res, Action::kManageRoots, root->project, missing)) return;
    Status s = svc.media().remove_root(root->path);
    if (!s.ok()) return send_error(res, s);
    send_json(res, 200, {{"removed", path}, {"project", root->project}});
  });
}

void install_tokens(service::Service& svc, const AddRoute& route) {
  route("GET", "/v1/tokens", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who || !manages_any(*who, res, Action::kManageMembers)) return;
    auto list = svc.tokens().list();
    if (!list.ok()) return send_error(res, list.status());
    nlohmann::json out = nlohmann::json::array();
    // A project admin sees the tokens granted in their projects; a studio admin, all of them.
    for (const auto& t : *list)
      if (who->studio_admin ||
          (t.grant.project && who->may(Action::kManageMembers, *t.grant.project)))
        out.push_back(token_json(t));
    send_json(res, 200, {{"tokens", out}});
  });
  route("POST", "/v1/tokens", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    auto body = json_body(req, res);
    if (!body) return;
    auto role = body->is_object() && body->contains("role") && (*body)["role"].is_string()
                    ? security::parse_role((*body)["role"].get<std::string>())
                    : std::nullopt;
    if (!role)
      return send_error(res, invalid_argument("'role' must be viewer, artist or admin", "role"));
    auto project = project_field(*body, res);
    if (!project) return;
    // A bare admin is a studio admin; a bare viewer or artist works in the default project.
    security::Grant grant{std::nullopt, *role};
    if (!project->empty())
      grant.project = *project;
    else if (*role != Role::kAdmin)
      grant.project = std::string(security::kDefaultProject);
    if (grant.studio_admin()) {
      if (!security::studio_allows(*who, Action::kManageTokens)) {
        request_caller().refusal = "only a studio admin may make a studio admin";
        return send_error(res, permission_denied(request_caller().refusal), 403);
      }
    } else if (!permit(svc, *who, res, Action::kManageMembers, *grant.project,
                       no_project(*grant.project))) {
      return;
    }
    std::string name = body->value("name", std::string());
    auto t = svc.tokens().create(grant, name);
    if (!t.ok()) return send_error(res, t.status());
    nlohmann::json out = token_json(t->info);
    out["token"] = t->token;
    send_json(res, 201, out);
  });
  route("DELETE", R"(/v1/tokens/([A-Za-z0-9_]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          const Status missing = not_found("no token '" + id + "'");
          auto t = svc.tokens().get(id);
          if (!t.ok()) return send_error(res, missing);
          if (!who->studio_admin) {
            // Studio admins' tokens are another studio admin's to revoke.
            if (!t->grant.project) {
              if (!manages_any(*who, res, Action::kManageMembers)) return;
              request_caller().refusal = "not a token of the caller's projects";
              return send_error(res, missing);
            }
            if (!permit(svc, *who, res, Action::kManageMembers, *t->grant.project, missing)) return;
          }
          Status s = svc.tokens().revoke(id);
          if (!s.ok()) return send_error(res, s);
          send_json(res, 200, {{"id", id}, {"revoked", true}});
        });
}

// Consents to alter the policy's protected likenesses: a project admin's to record and revoke.
void install_consents(service::Service& svc, const AddRoute& route) {
  route("GET", R"(/v1/projects/([a-z0-9][a-z0-9_-]*)/consents)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kManageConsents, id, no_project(id))) return;
          auto recorded = svc.consents().list(id, req.param("revoked") == "true");
          if (!recorded.ok()) return send_error(res, recorded.status());
          nlohmann::json likenesses = nlohmann::json::array();
          nlohmann::json consents = nlohmann::json::array();
          for (const auto* l : svc.policy().likenesses_in(id)) {
            likenesses.push_back({{"id", l->id}, {"name", l->name}, {"aliases", l->aliases}});
            for (const auto& c : l->consents)
              if (c.project == id) consents.push_back(security::consent_to_json(c));
          }
          for (const auto& c : *recorded) consents.push_back(security::consent_to_json(c));
          send_json(res, 200, {{"likenesses", likenesses}, {"consents", consents}});
        });
  route("POST", R"(/v1/projects/([a-z0-9][a-z0-9_-]*)/consents)",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kManageConsents, id, no_project(id))) return;
          auto body = json_body(req, res);
          if (!body) return;
          if (body->is_object() && body->contains("project"))
            return send_error(res, invalid_argument("the project is the URL's", "project"));
          nlohmann::json with_project = *body;
          if (with_project.is_object()) with_project["project"] = id;
          auto consent = security::consent_from_json(with_project);
          if (!consent.ok()) return send_error(res, consent.status());
          bool known = false;
          for (const auto* l : svc.policy().likenesses_in(id))
            known = known || l->id == consent->likeness;
          if (!known)
            return send_error(
                res, invalid_argument("the policy protects no likeness '" + consent->likeness +
                                          "' in project '" + id + "'",
                                      "likeness"));
          auto recorded = svc.consents().record(*consent, who->id);
          if (!recorded.ok()) return send_error(res, recorded.status());
          send_json(res, 201, security::consent_to_json(*recorded));
        });
  route("DELETE", R"(/v1/projects/([a-z0-9][a-z0-9_-]*)/consents/([A-Za-z0-9_]+))",
        [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
          auto who = authenticate(svc, req, res);
          if (!who) return;
          const std::string id = req.matches[1];
          if (!permit(svc, *who, res, Action::kManageConsents, id, no_project(id))) return;
          auto revoked = svc.consents().revoke(id, req.matches[2]);
          if (!revoked.ok()) return send_error(res, revoked.status());
          send_json(res, 200, security::consent_to_json(*revoked));
        });
}

}  // namespace

void install_project_routes(service::Service& svc, const AddRoute& route) {
  install_projects(svc, route);
  install_consents(svc, route);
  install_roots(svc, route);
  install_tokens(svc, route);
}

}  // namespace fl::server
