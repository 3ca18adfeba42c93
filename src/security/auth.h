// Who is calling and what they may do. Every request carries a bearer credential; an
// Authenticator turns it into a Principal (local API tokens, or the studio's IdP), and
// role_allows() / studio_allows() are the one permission table (docs/security.md).
//
// Access is per project: a principal holds a role (viewer, artist, admin) in each project it
// works on, and a studio admin manages the projects themselves and is admin in every one.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framelock/status.h"

namespace fl::security {

enum class Role { kViewer, kArtist, kAdmin };
std::string_view role_name(Role r);
std::optional<Role> parse_role(std::string_view name);

// The project that holds what predates projects, and what a request names no project for.
inline constexpr std::string_view kDefaultProject = "default";
// 1-63 of [a-z0-9_-], starting with a letter or digit: it appears in URLs and in group mappings.
bool valid_project_id(std::string_view id);

enum class Action {
  // Anywhere, for anyone signed in:
  kViewOps,  // operator schemas
  // In a project, by the caller's role there:
  kViewMedia,     // list, probe, fetch frames
  kViewJobs,      // list, status, events, output
  kViewSessions,  // watch a live session (its state and previews)
  kRegisterMedia,
  kPreview,  // render previews, change a session's state
  kCreateJob,
  kCancelOwnJob,
  kCancelAnyJob,
  kManageRoots,
  kManageMembers,   // a project's members, and tokens granted in it
  kManageConsents,  // record, list and revoke consents to alter protected likenesses
  kReviewContent,   // approve or reject an output the content policy held
  // Studio-wide, for studio admins:
  kManageProjects,
  kManageTokens,  // every token, studio admins' included
  kViewAudit,     // read the audit log
};
std::string_view action_name(Action a);

// A role in one project. viewer: see media, previews and jobs; artist: also register media,
// preview and render, cancel own jobs; admin: also the project's media roots, members and
// anyone's jobs. No project role allows a studio-wide action.
bool role_allows(Role role, Action action);

// What a credential grants: a role in a project, or (no project, role admin) the whole studio.
struct Grant {
  std::optional<std::string> project;  // nullopt with kAdmin: a studio admin
  Role role = Role::kViewer;
  bool studio_admin() const { return !project && role == Role::kAdmin; }
  std::string to_string() const;  // "artist@show-a", "admin"
};
// "artist@show-a", or a bare role: "admin" is a studio admin, "viewer" and "artist" are roles in
// the default project. Errors say what was wrong.
Result<Grant> parse_grant(std::string_view text);

struct Principal {
  std::string id;    // stable subject: token id (local) or "oidc:" + the IdP's subject
  std::string name;  // for audit logs and job ownership displays
  bool studio_admin = false;
  std::map<std::string, Role> roles;  // project -> role

  void grant(const Grant& g);  // keeps the higher role where two meet
  void grant(const std::string& project, Role role);
  // The role in `project`: a studio admin is admin everywhere; nullopt: not a member.
  std::optional<Role> role_in(std::string_view project) const;
  // May do `action` in `project` (a project action) or at all (a studio-wide one).
  bool may(Action action, std::string_view project = {}) const;
  std::string roles_text() const;  // "studio admin" or "artist@show-a, viewer@show-b": for logs
};
// A studio-wide action: kViewOps for anyone, the rest for studio admins.
bool studio_allows(const Principal& who, Action action);

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The credential after "Bearer ". Not this authenticator's kind of credential at all:
  // kPermissionDenied, and the chain tries the next. Its kind but refused: kUnauthenticated (a
  // local token says no more than "invalid or revoked": no oracle for guessing; a JWT says which
  // check failed, as RFC 6750's error_description does).
  virtual Result<Principal> authenticate(std::string_view credential) = 0;
};

// Tries each authenticator in turn (local tokens, then the IdP): the first that accepts wins, the
// first that recognises the credential but refuses it decides.
class ChainAuthenticator final : public Authenticator {
 public:
  void add(std::shared_ptr<Authenticator> a) { chain_.push_back(std::move(a)); }
  Result<Principal> authenticate(std::string_view credential) override;

 private:
  std::vector<std::shared_ptr<Authenticator>> chain_;
};

}  // namespace fl::security
