#include "service/project_store.h"

#include "core/clock.h"
#include "security/token_store.h"

namespace fl::service {

using security::Role;

bool valid_principal_id(const std::string& id) {
  if (id.rfind("oidc:", 0) == 0) {
    if (id.size() == 5 || id.size() > 260) return false;
    for (char c : id)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
  }
  return security::valid_token_id(id);
}

Result<std::unique_ptr<ProjectStore>> ProjectStore::open(std::shared_ptr<store::Database> db) {
  FL_RETURN_IF_ERROR(db->exec_script(
      "CREATE TABLE IF NOT EXISTS projects(id TEXT PRIMARY KEY, name TEXT NOT NULL, created "
      "REAL NOT NULL, created_by TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS project_members(project TEXT NOT NULL, principal TEXT NOT "
      "NULL, role TEXT NOT NULL, added REAL NOT NULL, added_by TEXT NOT NULL, PRIMARY "
      "KEY(project, principal));"
      "CREATE INDEX IF NOT EXISTS members_by_principal ON project_members(principal);"));
  FL_RETURN_IF_ERROR(
      db->exec("INSERT OR IGNORE INTO projects(id, name, created, created_by) VALUES(?, ?, ?, '')",
               {std::string(security::kDefaultProject), std::string("Default"), unix_seconds()}));
  return std::unique_ptr<ProjectStore>(new ProjectStore(std::move(db)));
}

Result<Project> ProjectStore::create(const std::string& id, const std::string& name,
                                     const std::string& created_by) {
  if (!security::valid_project_id(id))
    return invalid_argument("'" + id +
                                "' is no project id: 1-63 of a-z, 0-9, '-' and '_', starting "
                                "with a letter or digit",
                            "id");
  if (name.size() > 200)
    return invalid_argument("a project's name is 200 characters at most", "name");
  Project p{id, name.empty() ? id : name, unix_seconds(), created_by};
  Status s = db_->transaction([&]() -> Status {
    FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT id FROM projects WHERE id = ?", {id}));
    if (row) return conflict("project '" + id + "' exists already", "id");
    return db_->exec("INSERT INTO projects(id, name, created, created_by) VALUES(?,?,?,?)",
                     {p.id, p.name, p.created, p.created_by});
  });
  if (!s.ok()) return s;
  return p;
}

Result<std::vector<Project>> ProjectStore::list() const {
  FL_ASSIGN_OR_RETURN(auto rows,
                      db_->query("SELECT id, name, created, created_by FROM projects ORDER BY id"));
  std::vector<Project> out;
  for (const auto& r : rows) out.push_back({r.text(0), r.text(1), r.real(2), r.text(3)});
  return out;
}

Result<Project> ProjectStore::get(const std::string& id) const {
  FL_ASSIGN_OR_RETURN(
      auto r,
      db_->query_one("SELECT id, name, created, created_by FROM projects WHERE id = ?", {id}));
  if (!r) return not_found("no project '" + id + "'");
  return Project{r->text(0), r->text(1), r->real(2), r->text(3)};
}

bool ProjectStore::exists(const std::string& id) const { return get(id).ok(); }

Result<std::vector<Member>> ProjectStore::members(const std::string& project) const {
  FL_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT principal, role, added, added_by FROM "
                                            "project_members WHERE project = ? ORDER BY principal",
                                            {project}));
  std::vector<Member> out;
  for (const auto& r : rows)
    out.push_back(
        {r.text(0), security::parse_role(r.text(1)).value_or(Role::kViewer), r.real(2), r.text(3)});
  return out;
}

Status ProjectStore::set_member(const std::string& project, const std::string& principal, Role role,
                                const std::string& added_by) {
  if (!valid_principal_id(principal))
    return invalid_argument(
        "'" + principal + "' is no principal: a token id (12 hex digits) or oidc:SUBJECT",
        "principal");
  return db_->exec(
      "INSERT INTO project_members(project, principal, role, added, added_by) VALUES(?,?,?,?,?) "
      "ON CONFLICT(project, principal) DO UPDATE SET role = excluded.role, added = "
      "excluded.added, added_by = excluded.added_by",
      {project, principal, std::string(security::role_name(role)), unix_seconds(), added_by});
}

Status ProjectStore::remove(const std::string& id) {
  if (!exists(id)) return not_found("no project '" + id + "'");
  FL_RETURN_IF_ERROR(db_->exec("DELETE FROM project_members WHERE project = ?", {id}));
  return db_->exec("DELETE FROM projects WHERE id = ?", {id});
}

Status ProjectStore::remove_member(const std::string& project, const std::string& principal) {
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT principal FROM project_members WHERE "
                                               "project = ? AND principal = ?",
                                               {project, principal}));
  if (!row) return not_found("'" + principal + "' is no member of project '" + project + "'");
  return db_->exec("DELETE FROM project_members WHERE project = ? AND principal = ?",
                   {project, principal});
}

Status ProjectStore::add_memberships(security::Principal& who) const {
  FL_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT project, role FROM project_members WHERE "
                                            "principal = ?",
                                            {who.id}));
  for (const auto& r : rows)
    if (auto role = security::parse_role(r.text(1))) who.grant(r.text(0), *role);
  // A grant in a project that does not exist (yet: the IdP's groups may name shows still to
  // come) grants nothing.
  for (auto it = who.roles.begin(); it != who.roles.end();)
    it = exists(it->first) ? std::next(it) : who.roles.erase(it);
  return Status();
}

}  // namespace fl::service
