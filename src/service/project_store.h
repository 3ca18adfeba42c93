// Projects (a show, a film): each owns media roots, and through them media, and sessions and
// jobs. Who works on a project comes from two places: what the caller's credential grants (a
// token's own grant, the IdP's groups through the policy file) and the members a project admin
// added here. The project "default" always exists: it holds what predates projects.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "security/auth.h"
#include "store/database.h"

namespace fl::service {

struct Project {
  std::string id;    // security::valid_project_id
  std::string name;  // for people
  double created = 0;
  std::string created_by;  // principal id
};

struct Member {
  std::string principal;  // a token id, or "oidc:" + the IdP's subject
  security::Role role = security::Role::kViewer;
  double added = 0;
  std::string added_by;
};

class ProjectStore {
 public:
  static Result<std::unique_ptr<ProjectStore>> open(std::shared_ptr<store::Database> db);

  // kConflict when the id is taken; errors name the field.
  Result<Project> create(const std::string& id, const std::string& name,
                         const std::string& created_by);
  Result<std::vector<Project>> list() const;
  Result<Project> get(const std::string& id) const;  // not_found
  bool exists(const std::string& id) const;
  // The project and its members' rows (not_found). Service::delete_project decides whether it
  // may go (never the default project) and removes what else it owned first.
  Status remove(const std::string& id);

  Result<std::vector<Member>> members(const std::string& project) const;
  // Adds or changes a member's role.
  Status set_member(const std::string& project, const std::string& principal, security::Role role,
                    const std::string& added_by);
  Status remove_member(const std::string& project, const std::string& principal);  // not_found

  // The caller with the roles their memberships add to what their credential granted, less
  // the grants in projects that do not exist.
  Status add_memberships(security::Principal& who) const;

 private:
  explicit ProjectStore(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
  std::shared_ptr<store::Database> db_;
};

// A principal id a member may be named by: a token id (12 hex) or "oidc:" and a subject.
bool valid_principal_id(const std::string& id);

}  // namespace fl::service
