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
    case Action::kViewMedia:
      return "view media";
    case Action::kViewOps:
      return "view operators";
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
    case Action::kManageTokens:
      return "manage tokens";
    case Action::kViewAudit:
      return "read the audit log";
  }
  return "?";
}

bool role_allows(Role role, Action action) {
  switch (action) {
    case Action::kViewMedia:
    case Action::kViewOps:
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
    case Action::kManageTokens:
    case Action::kViewAudit:
      return role == Role::kAdmin;
  }
  return false;
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
