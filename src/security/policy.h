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

// The operators that synthesise or alter pixels with a model or an analysis (fill, clean plates,
// frame extension, scene lock, character lock): the one list the policy's "@ai" names, and the
// list provenance marks (docs/security.md).
const std::vector<std::string>& ai_operators();

// Who may use an operator: where (`projects`, empty: every project) and from which role up.
struct OperatorRule {
  std::vector<std::string> ops;  // operator names, "@ai" expanded
  std::vector<std::string> projects;
  Role role = Role::kArtist;
  std::string pointer;  // "/operators/0": what a refusal cites
};

struct Policy {
  // identity: the token claim that lists the caller's groups, and what each group grants: a role
  // in a project ("artist@show-a"), or a bare role ("admin": a studio admin; "viewer", "artist":
  // in the default project).
  std::string roles_claim = "groups";
  std::map<std::string, std::vector<Grant>> group_grants;

  // operators: an operator some rule names may be used only where one of those rules allows
  // (its project and role); an operator no rule names is left to the role table.
  std::vector<OperatorRule> operator_rules;
  // ok, or permission_denied naming the operator, the role, the project and the rule.
  Status allows_operator(const std::string& op, const Principal& who,
                         const std::string& project) const;

  // `source` names the text in errors (the file's path).
  static Result<Policy> parse(std::string_view text, const std::string& source);
  static Result<Policy> load(const std::string& path);
};

}  // namespace fl::security
