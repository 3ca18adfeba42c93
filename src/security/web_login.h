// The page's sign-in, done by the server so that the page never holds a token: the authorization
// code flow with PKCE (RFC 7636) against the studio's IdP, ending in a cookie session (httpOnly,
// SameSite=Strict) whose changes carry a CSRF token. API clients keep using bearer tokens.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "security/http_fetch.h"
#include "security/oidc.h"

namespace fl::security {

// A signed-in page: the credential each of its requests is authenticated with (the IdP's access
// token, or a local token the page was given), its CSRF token and when it ends.
struct WebSession {
  std::string credential;
  std::string csrf;
  std::string principal_id;
  int64_t expires = 0;  // unix seconds
};

struct NewWebSession {
  std::string cookie;  // the session id: 256 random bits, base64url
  std::string csrf;
  int64_t expires = 0;
};

// In memory: a restarted server asks its pages to sign in again. Looked up by the SHA-256 of the
// cookie, so the table holds no usable session id.
class WebSessions {
 public:
  explicit WebSessions(Clock clock = {}, int64_t max_age_s = 8 * 3600);
  // `expires`: the credential's own end (0: none); the session ends then or after max_age_s.
  Result<NewWebSession> create(std::string credential, std::string principal_id, int64_t expires);
  std::optional<WebSession> find(std::string_view cookie);  // nullopt when unknown or ended
  void remove(std::string_view cookie);
  size_t size() const;

 private:
  Clock clock_;
  int64_t max_age_s_;
  mutable std::mutex mu_;
  std::map<std::string, WebSession> sessions_;  // by sha256_hex(cookie)
};

struct OidcLoginOptions {
  std::string client_id;
  std::string client_secret;  // empty: a public client (PKCE alone)
  std::string redirect_uri;   // this server's /v1/auth/callback, as registered at the IdP
  // What is asked for. The access token's audience must be the server's (--oidc-audience); some
  // IdPs (glewlwyd) put the granted scope there, so the scope is configurable.
  std::string scope = "openid";
};

// What the IdP's token endpoint is called with (tests answer it themselves).
using FormPoster =
    std::function<Result<std::string>(const std::string& url, const FormFields&,
                                      const std::string& user, const std::string& password)>;

struct LoginEnd {
  std::string credential;  // the access token
  Principal who;
  std::string return_to;
  int64_t expires = 0;
};

class OidcLogin {
 public:
  OidcLogin(std::shared_ptr<OidcAuthenticator> idp, OidcLoginOptions options, FormPoster post,
            Clock clock = {});

  // The IdP's authorization URL for a new sign-in (state and a PKCE verifier kept here for ten
  // minutes) that comes back to `return_to`, a path of this server's ("/" when it is not one).
  Result<std::string> begin(const std::string& return_to);
  // The IdP sent the browser back: the state must be one of ours, unused and fresh; the code is
  // exchanged with the verifier, and the access token is checked as any bearer token is.
  Result<LoginEnd> finish(const std::string& code, const std::string& state);

 private:
  struct Pending {
    std::string verifier;
    std::string return_to;
    int64_t created = 0;
  };
  std::shared_ptr<OidcAuthenticator> idp_;
  OidcLoginOptions options_;
  FormPoster post_;
  Clock clock_;
  std::mutex mu_;
  std::map<std::string, Pending> pending_;  // by state
};

// A path of this server's to return to after sign-in: "/..." but not "//host" or "/\host"
// (an open redirect), else "/".
std::string safe_return_path(std::string_view path);
// application/x-www-form-urlencoded / query-string encoding of one value.
std::string url_encode(std::string_view value);

}  // namespace fl::security
