#include "security/auth.h"

namespace fl::security {

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kViewer:
      return "viewer";
    case Role::kArtist:
      return "artist";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view name) {
  if (name == "viewer") return Role::kViewer;
  if (name == "artist") return Role::kArtist;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string_view action_name(Action a) {
  switch (a) {
    case Action::kViewOps:
      return "view operators";
    case Action::kViewMedia:
      return "view media";
    case Action::kViewJobs:
      return "view jobs";
    case Action::kViewSessions:
      return "view sessions";
    case Action::kRegisterMedia:
      return "register media";
    case Action::kPreview:
      return "render previews";
    case Action::kCreateJob:
      return "create jobs";
    case Action::kCancelOwnJob:
      return "cancel own jobs";
    case Action::kCancelAnyJob:
      return "cancel other users' jobs";
    case Action::kManageRoots:
      return "manage media roots";
    case Action::kManageMembers:
      return "manage the project's members";
    case Action::kManageConsents:
      return "manage consents";
    case Action::kReviewContent:
      return "review held outputs";
    case Action::kManageProjects:
      return "manage projects";
    case Action::kManageTokens:
      return "manage tokens";
    case Action::kViewAudit:
      return "read the audit log";
  }
  return "?";
}

bool valid_project_id(std::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

bool role_allows(Role role, Action action) {
  switch (action) {
    case Action::kViewOps:
    case Action::kViewMedia:
    case Action::kViewJobs:
    case Action::kViewSessions:
      return true;
    case Action::kRegisterMedia:
    case Action::kPreview:
    case Action::kCreateJob:
    case Action::kCancelOwnJob:
      return role == Role::kArtist || role == Role::kAdmin;
    case Action::kCancelAnyJob:
    case Action::kManageRoots:
    case Action::kManageMembers:
    case Action::kManageConsents:
    case Action::kReviewContent:
      return role == Role::kAdmin;
    case Action::kManageProjects:
    case Action::kManageTokens:
    case Action::kViewAudit:
      return false;  // studio-wide: studio_allows()
  }
  return false;
}

bool studio_allows(const Principal& who, Action action) {
  if (action == Action::kViewOps) return true;
  return who.studio_admin;
}

std::string Grant::to_string() const {
  if (!project) return std::string(role_name(role));
  return std::string(role_name(role)) + "@" + *project;
}

Result<Grant> parse_grant(std::string_view text) {
  const size_t at = text.find('@');
  const std::string_view role_text = text.substr(0, at);
  auto role = parse_role(role_text);
  if (!role)
    return invalid_argument("'" + std::string(role_text) + "' is no role (viewer, artist, admin)");
  Grant g;
  g.role = *role;
  if (at == std::string_view::npos) {
    // A bare role: the studio for admins, the default project for the others.
    if (*role != Role::kAdmin) g.project = std::string(kDefaultProject);
    return g;
  }
  const std::string_view project = text.substr(at + 1);
  if (!valid_project_id(project))
    return invalid_argument("'" + std::string(project) +
                            "' is no project id (1-63 of a-z, 0-9, '-' and '_')");
  g.project = std::string(project);
  return g;
}

void Principal::grant(const std::string& project, Role role) {
  auto [it, added] = roles.emplace(project, role);
  if (!added && int(role) > int(it->second)) it->second = role;
}

void Principal::grant(const Grant& g) {
  if (g.studio_admin()) {
    studio_admin = true;
    return;
  }
  grant(*g.project, g.role);
}

std::optional<Role> Principal::role_in(std::string_view project) const {
  if (studio_admin) return Role::kAdmin;
  auto it = roles.find(std::string(project));
  if (it == roles.end()) return std::nullopt;
  return it->second;
}

bool Principal::may(Action action, std::string_view project) const {
  switch (action) {
    case Action::kViewOps:
    case Action::kManageProjects:
    case Action::kManageTokens:
    case Action::kViewAudit:
      return studio_allows(*this, action);
    default:
      break;
  }
  auto role = role_in(project);
  return role && role_allows(*role, action);
}

std::string Principal::roles_text() const {
  if (studio_admin) return "studio admin";
  std::string out;
  for (const auto& [project, role] : roles)
    out += (out.empty() ? "" : ", ") + std::string(role_name(role)) + "@" + project;
  return out.empty() ? "no project" : out;
}

Result<Principal> ChainAuthenticator::authenticate(std::string_view credential) {
  for (const auto& a : chain_) {
    auto p = a->authenticate(credential);
    if (p.ok()) return p;
    if (p.status().code() != ErrorCode::kPermissionDenied) return p.status();
  }
  return unauthenticated("invalid or revoked token");
}

}  // namespace fl::security
