// The studio's policy file (`serve --policy FILE`, docs/security.md): one JSON document that says
// who gets which role from the identity provider's groups. It is validated whole on load; an
// error names the line (a syntax error) or the field (a JSON pointer), and nothing half-read is
// ever used. Later sections (operators per role, protected likenesses, the content classifier)
// join it here, so that every decision the policy makes is read from this one place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "security/auth.h"

namespace fl::security {

// The operators that synthesise or alter pixels with a model or an analysis (fill, clean plates,
// frame extension, scene lock, character lock): the one list the policy's "@ai" names, and the
// list provenance marks (docs/security.md).
const std::vector<std::string>& ai_operators();

// A node of a graph and its operator's name ("fill", whichever version the graph asked for).
struct NodeOperator {
  std::string node;
  std::string op;
};
// Does any of them use a generative operator (ai_operators())?
bool uses_ai_operator(const std::vector<NodeOperator>& nodes);

// Who may use an operator: where (`projects`, empty: every project) and from which role up.
struct OperatorRule {
  std::vector<std::string> ops;  // operator names, "@ai" expanded
  std::vector<std::string> projects;
  Role role = Role::kArtist;
  std::string pointer;  // "/operators/0": what a refusal cites
};

// A recorded consent to alter a protected likeness: who gave it, for which project, until when
// (the last day it holds, UTC), and for which operators (empty: every one that alters a
// likeness). Recorded through the API or CLI (service/consent_store.h), or standing in the
// policy file under the likeness.
struct Consent {
  std::string id;           // "c_<hex>" when recorded; the policy's JSON pointer when standing
  std::string likeness;     // Likeness::id
  std::string project;      // a project id
  std::string granted_by;   // the person who gave it (or who signed for them)
  std::string recorded_by;  // the principal who recorded it
  std::string until;        // YYYY-MM-DD, inclusive
  std::vector<std::string> ops;
  std::string note;  // the contract or release it rests on
  double recorded = 0;
  double revoked = 0;  // 0: in force
  // In force on `today` (YYYY-MM-DD) for `op` altering `likeness` in `project`.
  bool covers(const std::string& likeness_id, const std::string& in_project, const std::string& op,
              const std::string& today) const;
};

// A person whose likeness may not be altered without a consent: found in a cast by name (the
// name or an alias, as a rename or a reference gave it) or by face (the reference's identity).
struct Likeness {
  std::string id;  // a-z, 0-9, '-', '_'
  std::string name;
  std::vector<std::string> aliases;
  std::string reference;              // a still or clip showing their face; empty: names only
  std::vector<std::string> projects;  // where they are protected; empty: every project
  std::vector<Consent> consents;      // standing
  std::string pointer;                // "/likenesses/0"
  bool applies_in(const std::string& project) const;
  bool named(std::string_view cast_name) const;  // the name or an alias, case-insensitive
};

// A consent as JSON ({"likeness", "project", "granted_by", "until", "ops", "note"}): checked
// field by field (errors name the field); the caller sets id, recorder and time.
Result<Consent> consent_from_json(const nlohmann::json& j);
nlohmann::json consent_to_json(const Consent& c);

// "YYYY-MM-DD" of a Unix time, UTC.
std::string utc_date(double unix_seconds);
// A real calendar date written YYYY-MM-DD.
bool valid_date(std::string_view date);

// The content classifier's check on what generative operators made (docs/security.md, "Content
// classifier"): sampled frames of each such output are scored; a frame at or over a class's
// threshold is a finding, and the action says what becomes of the output.
enum class ContentAction {
  kBlock,  // the output is not delivered: the render fails, the file is removed
  kFlag,   // delivered, with the findings in its warnings and the audit log
  kHold,   // kept, but not delivered until a project admin approves it
};
std::string_view content_action_name(ContentAction a);
// The classifier's classes (ml/content_classifier.h), the names thresholds are given by.
const std::vector<std::string>& content_classes();

struct ContentRule {
  std::map<std::string, double> thresholds;  // class -> score from which a frame is a finding
  ContentAction action = ContentAction::kHold;
  int every = 12;                     // every Nth frame is scored (and the last)
  std::vector<std::string> projects;  // empty: every project
  bool applies_in(const std::string& project) const;
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
  // The same for every node of a graph: the refusal's field names the first node refused
  // ("nodes.<id>.op").
  Status allows_operators(const std::vector<NodeOperator>& nodes, const Principal& who,
                          const std::string& project) const;

  // content: the classifier's check on generative outputs; none: no check.
  std::optional<ContentRule> content;

  // likenesses: the protected people (docs/security.md, "Protected likenesses").
  std::vector<Likeness> likenesses;
  // The likenesses protected in `project`.
  std::vector<const Likeness*> likenesses_in(const std::string& project) const;

  // `source` names the text in errors (the file's path); a reference is resolved against its
  // folder.
  static Result<Policy> parse(std::string_view text, const std::string& source);
  static Result<Policy> load(const std::string& path);
};

}  // namespace fl::security
