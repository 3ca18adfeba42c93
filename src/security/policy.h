// The studio's policy file (`serve --policy FILE`, docs/security.md): one JSON document that says
// who gets which role from the identity provider's groups. It is validated whole on load; an
// error names the line (a syntax error) or the field (a JSON pointer), and nothing half-read is
// ever used. Later sections (operators per role, protected likenesses, the content classifier)
// join it here, so that every decision the policy makes is read from this one place.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "security/auth.h"

namespace fl::security {

struct Policy {
  // identity: the token claim that lists the caller's groups, and what each group grants: a role
  // in a project ("artist@show-a"), or a bare role ("admin": a studio admin; "viewer", "artist":
  // in the default project).
  std::string roles_claim = "groups";
  std::map<std::string, std::vector<Grant>> group_grants;

  // `source` names the text in errors (the file's path).
  static Result<Policy> parse(std::string_view text, const std::string& source);
  static Result<Policy> load(const std::string& path);
};

}  // namespace fl::security
