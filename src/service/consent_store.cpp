#include "service/consent_store.h"

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/json_text.h"
#include "security/token_store.h"

namespace fl::service {
namespace {

constexpr const char* kColumns =
    "id, likeness, project, granted_by, recorded_by, until, ops, note, recorded, revoked";

security::Consent from_row(const store::Row& r) {
  security::Consent c;
  c.id = r.text(0);
  c.likeness = r.text(1);
  c.project = r.text(2);
  c.granted_by = r.text(3);
  c.recorded_by = r.text(4);
  c.until = r.text(5);
  const auto ops = nlohmann::json::parse(r.text(6), nullptr, false);
  if (ops.is_array())
    for (const auto& op : ops)
      if (op.is_string()) c.ops.push_back(op.get<std::string>());
  c.note = r.text(7);
  c.recorded = r.real(8);
  c.revoked = r.real(9);
  return c;
}

}  // namespace

Result<std::unique_ptr<ConsentStore>> ConsentStore::open(std::shared_ptr<store::Database> db) {
  FL_RETURN_IF_ERROR(db->exec_script(
      "CREATE TABLE IF NOT EXISTS consents(id TEXT PRIMARY KEY, likeness TEXT NOT NULL, project "
      "TEXT NOT NULL, granted_by TEXT NOT NULL, recorded_by TEXT NOT NULL, until TEXT NOT NULL, "
      "ops TEXT NOT NULL, note TEXT NOT NULL, recorded REAL NOT NULL, revoked REAL NOT NULL "
      "DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS consents_by_project ON consents(project, likeness);"));
  return std::unique_ptr<ConsentStore>(new ConsentStore(std::move(db)));
}

Result<security::Consent> ConsentStore::record(security::Consent c,
                                               const std::string& recorded_by) {
  FL_ASSIGN_OR_RETURN(std::string rid, security::random_hex(8));
  c.id = "c_" + rid;
  c.recorded_by = recorded_by;
  c.recorded = unix_seconds();
  c.revoked = 0;
  FL_RETURN_IF_ERROR(
      db_->exec(std::string("INSERT INTO consents(") + kColumns + ") VALUES(?,?,?,?,?,?,?,?,?,?)",
                {c.id, c.likeness, c.project, c.granted_by, c.recorded_by, c.until,
                 json_text(nlohmann::json(c.ops)), c.note, c.recorded, 0.0}));
  return c;
}

Result<std::vector<security::Consent>> ConsentStore::list(const std::string& project,
                                                          bool with_revoked) const {
  FL_ASSIGN_OR_RETURN(
      auto rows, db_->query(std::string("SELECT ") + kColumns +
                                " FROM consents WHERE project = ? AND (? OR revoked = 0) ORDER "
                                "BY recorded DESC, id",
                            {project, int64_t(with_revoked ? 1 : 0)}));
  std::vector<security::Consent> out;
  for (const auto& r : rows) out.push_back(from_row(r));
  return out;
}

Result<security::Consent> ConsentStore::revoke(const std::string& project, const std::string& id) {
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one(std::string("SELECT ") + kColumns +
                                                   " FROM consents WHERE id = ? AND project = ? "
                                                   "AND revoked = 0",
                                               {id, project}));
  if (!row) return not_found("no consent '" + id + "' in force in project '" + project + "'");
  security::Consent c = from_row(*row);
  c.revoked = unix_seconds();
  FL_RETURN_IF_ERROR(db_->exec("UPDATE consents SET revoked = ? WHERE id = ?", {c.revoked, id}));
  return c;
}

Status ConsentStore::revoke_all(const std::string& project) {
  return db_->exec("UPDATE consents SET revoked = ? WHERE project = ? AND revoked = 0",
                   {unix_seconds(), project});
}

}  // namespace fl::service
