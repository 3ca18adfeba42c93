// Local API tokens: `flk_<id>_<secret>`, shown once at creation and stored only as the SHA-256
// of the secret (a leaked database grants nothing). The secret has 256 bits from the OS's
// CSPRNG, so a plain hash is enough: there is nothing to brute-force as with passwords.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "security/auth.h"
#include "store/database.h"

namespace fl::security {

struct TokenInfo {
  std::string id;
  std::string name;
  Grant grant;         // admin with no project: a studio admin
  double created = 0;  // unix seconds
  bool revoked = false;
};

struct NewToken {
  TokenInfo info;
  std::string token;  // the full credential; not recoverable later
};

class TokenStore final : public Authenticator {
 public:
  // Creates its table in `db` if needed.
  static Result<std::shared_ptr<TokenStore>> open(std::shared_ptr<store::Database> db);

  // The token's own grant; a project admin may add it to other projects as a member
  // (service/project_store.h).
  Result<NewToken> create(const Grant& grant, const std::string& name);
  // A bare role, as the policy reads one: admin is a studio admin, viewer and artist work in
  // the default project.
  Result<NewToken> create(Role role, const std::string& name);
  Result<std::vector<TokenInfo>> list();
  Result<TokenInfo> get(const std::string& id);  // not_found for unknown ids
  Status revoke(const std::string& id);          // not_found for unknown ids
  Result<int64_t> count_active();

  Result<Principal> authenticate(std::string_view credential) override;

 private:
  explicit TokenStore(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
  std::shared_ptr<store::Database> db_;
};

// Cryptographically random bytes as lowercase hex / base64url (OpenSSL RAND_bytes).
Result<std::string> random_hex(size_t bytes);
Result<std::string> random_base64url(size_t bytes);
std::string sha256(std::string_view data);  // the 32 bytes
std::string sha256_hex(std::string_view data);
// A local token's id: 12 lowercase hex digits.
bool valid_token_id(std::string_view id);

}  // namespace fl::security
