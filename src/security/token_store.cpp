#include "security/token_store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>

#include "core/clock.h"

#include "core/text_encoding.h"

namespace fl::security {

namespace {

Result<std::string> random_bytes(size_t n) {
  std::string b(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(b.data()), int(n)) != 1)
    return internal_error("the system random generator failed");
  return b;
}

// Tokens made before projects have no project: their admins are studio admins, their viewers
// and artists work in the default project, as a bare role in the policy does.
TokenInfo info_from(const store::Row& r) {
  Grant g;
  g.role = parse_role(r.text(2)).value_or(Role::kViewer);
  if (!r.is_null(5))
    g.project = r.text(5);
  else if (g.role != Role::kAdmin)
    g.project = std::string(kDefaultProject);
  return {r.text(0), r.text(1), g, r.real(3), r.integer(4) != 0};
}

}  // namespace

Result<std::string> random_hex(size_t bytes) {
  FL_ASSIGN_OR_RETURN(std::string b, random_bytes(bytes));
  return hex_encode(b);
}

Result<std::string> random_base64url(size_t bytes) {
  FL_ASSIGN_OR_RETURN(std::string b, random_bytes(bytes));
  return base64_encode(b, /*url_safe=*/true);
}

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string sha256_hex(std::string_view data) { return hex_encode(sha256(data)); }

bool valid_token_id(std::string_view id) {
  if (id.size() != 12) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Result<std::shared_ptr<TokenStore>> TokenStore::open(std::shared_ptr<store::Database> db) {
  FL_RETURN_IF_ERROR(db->exec_script(
      "CREATE TABLE IF NOT EXISTS tokens(id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT "
      "NULL, secret_sha256 TEXT NOT NULL, created REAL NOT NULL, revoked INTEGER NOT NULL "
      "DEFAULT 0);"));
  FL_ASSIGN_OR_RETURN(auto columns, db->query("PRAGMA table_info(tokens)"));
  bool has_project = false;
  for (const auto& c : columns) has_project = has_project || c.text(1) == "project";
  if (!has_project) FL_RETURN_IF_ERROR(db->exec("ALTER TABLE tokens ADD COLUMN project TEXT"));
  return std::shared_ptr<TokenStore>(new TokenStore(std::move(db)));
}

Result<NewToken> TokenStore::create(const Grant& grant, const std::string& name) {
  if (name.empty() || name.size() > 200)
    return invalid_argument("a token needs a name of 1-200 characters", "name");
  if (grant.project && !valid_project_id(*grant.project))
    return invalid_argument("'" + *grant.project + "' is no project id", "project");
  if (!grant.project && grant.role != Role::kAdmin)
    return invalid_argument("a viewer or artist token is granted in a project", "project");
  FL_ASSIGN_OR_RETURN(std::string id, random_hex(6));
  FL_ASSIGN_OR_RETURN(std::string secret, random_base64url(32));
  NewToken t;
  t.info = {id, name, grant, unix_seconds(), false};
  t.token = "flk_" + id + "_" + secret;
  FL_RETURN_IF_ERROR(db_->exec(
      "INSERT INTO tokens(id, name, role, secret_sha256, created, project) VALUES(?,?,?,?,?,?)",
      {id, name, std::string(role_name(grant.role)), sha256_hex(secret), t.info.created,
       grant.project ? store::Value(*grant.project) : store::Value()}));
  return t;
}

Result<NewToken> TokenStore::create(Role role, const std::string& name) {
  Grant g{std::nullopt, role};
  if (role != Role::kAdmin) g.project = std::string(kDefaultProject);
  return create(g, name);
}

Result<std::vector<TokenInfo>> TokenStore::list() {
  FL_ASSIGN_OR_RETURN(auto rows,
                      db_->query("SELECT id, name, role, created, revoked, project FROM tokens "
                                 "ORDER BY created"));
  std::vector<TokenInfo> out;
  for (const auto& r : rows) out.push_back(info_from(r));
  return out;
}

Result<TokenInfo> TokenStore::get(const std::string& id) {
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT id, name, role, created, revoked, project "
                                               "FROM tokens WHERE id = ?",
                                               {id}));
  if (!row) return not_found("no token '" + id + "'");
  return info_from(*row);
}

Status TokenStore::revoke(const std::string& id) {
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT id FROM tokens WHERE id = ?", {id}));
  if (!row) return not_found("no token '" + id + "'");
  return db_->exec("UPDATE tokens SET revoked = 1 WHERE id = ?", {id});
}

Result<int64_t> TokenStore::count_active() {
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT COUNT(*) FROM tokens WHERE revoked = 0"));
  return row ? row->integer(0) : 0;
}

Result<Principal> TokenStore::authenticate(std::string_view credential) {
  // flk_<12 hex>_<43 base64url>
  if (credential.size() != 4 + 12 + 1 + 43 || credential.substr(0, 4) != "flk_" ||
      credential[16] != '_')
    return permission_denied("not a local token");  // another authenticator's, perhaps
  std::string id(credential.substr(4, 12));
  if (!valid_token_id(id)) return unauthenticated("invalid or revoked token");
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one("SELECT id, name, role, created, revoked, "
                                               "project, secret_sha256 FROM tokens WHERE id = ?",
                                               {id}));
  if (!row) return unauthenticated("invalid or revoked token");
  std::string expected = row->text(6);
  std::string got = sha256_hex(credential.substr(17));
  // Constant time: the comparison must not tell how many leading characters were right.
  if (expected.size() != got.size() || CRYPTO_memcmp(expected.data(), got.data(), got.size()) != 0)
    return unauthenticated("invalid or revoked token");
  TokenInfo info = info_from(*row);
  if (info.revoked) return unauthenticated("invalid or revoked token");
  Principal p;
  p.id = info.id;
  p.name = info.name;
  p.grant(info.grant);
  return p;
}

}  // namespace fl::security
