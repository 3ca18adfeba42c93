// Who is calling and what they may do. Every request carries a bearer credential; an
// Authenticator turns it into a Principal (local API tokens today; OIDC/JWKS sign-in is another
// Authenticator behind the same interface), and role_allows() is the one permission table.
#pragma once

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

enum class Action {
  kViewMedia,     // list, probe, fetch frames
  kViewOps,       // operator schemas
  kViewJobs,      // list, status, events, output
  kViewSessions,  // watch a live session (its state and previews)
  kRegisterMedia,
  kPreview,  // render previews, change a session's state
  kCreateJob,
  kCancelOwnJob,
  kCancelAnyJob,
  kManageRoots,
  kManageTokens,
  kViewAudit,  // read the audit log
};
std::string_view action_name(Action a);

// viewer: see media, previews and jobs; artist: also register media, preview and render, cancel
// own jobs; admin: everything (media roots, tokens, anyone's jobs).
bool role_allows(Role role, Action action);

struct Principal {
  std::string id;    // stable subject: token id (local) or the IdP's subject (OIDC)
  std::string name;  // for audit logs and job ownership displays
  Role role = Role::kViewer;
};

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
