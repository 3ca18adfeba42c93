// Consents to alter a protected likeness (security/policy.h, docs/security.md), recorded by a
// project's admin through the API or the CLI: who gave the consent, for which project, until
// which day, for which operators. A revoked consent is kept, marked, so the record of what was
// allowed when stays whole; the audit log holds who recorded and who revoked it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framelock/status.h"
#include "security/policy.h"
#include "store/database.h"

namespace fl::service {

class ConsentStore {
 public:
  static Result<std::unique_ptr<ConsentStore>> open(std::shared_ptr<store::Database> db);

  // Gives the consent its id and time; errors name the field.
  Result<security::Consent> record(security::Consent consent, const std::string& recorded_by);
  // A project's consents, newest first; revoked ones too when asked.
  Result<std::vector<security::Consent>> list(const std::string& project,
                                              bool with_revoked = false) const;
  // not_found for an id not in the project (or revoked already).
  Result<security::Consent> revoke(const std::string& project, const std::string& id);
  // Every consent in force in `project`, revoked (kept, marked): the project is being deleted.
  Status revoke_all(const std::string& project);

 private:
  explicit ConsentStore(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
  std::shared_ptr<store::Database> db_;
};

}  // namespace fl::service
