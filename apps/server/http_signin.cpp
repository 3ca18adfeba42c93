// The page's sign-in (docs/security.md): the server runs the authorization code flow with PKCE
// against the studio's IdP and hands the page an httpOnly, SameSite=Strict session cookie; the
// page reads its CSRF token from GET /v1/auth/session and sends it with every change. A local
// token typed into the page is exchanged for the same kind of session: no token is ever kept in
// the page's storage.
#include "http_auth.h"
#include "security/token_store.h"

namespace fl::server {

namespace {

using security::Principal;

std::string set_cookie(bool tls, const std::string& value, int64_t max_age_s) {
  return session_cookie_name(tls) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" +
         (tls ? "; Secure" : "") + "; Max-Age=" + std::to_string(std::max<int64_t>(0, max_age_s));
}

nlohmann::json principal_json(const Principal& who) {
  nlohmann::json roles = nlohmann::json::object();
  for (const auto& [project, role] : who.roles) roles[project] = security::role_name(role);
  return {{"id", who.id}, {"name", who.name}, {"studio_admin", who.studio_admin}, {"roles", roles}};
}

// A new page session for `credential`, its cookie set on `res`.
Result<security::NewWebSession> open_session(service::Service& svc, net::HttpResponse& res,
                                             bool tls, const std::string& credential,
                                             const Principal& who, int64_t expires) {
  FL_ASSIGN_OR_RETURN(auto session, svc.web_sessions().create(credential, who.id, expires));
  res.set_header("Set-Cookie",
                 set_cookie(tls, session.cookie, session.expires - security::system_now()));
  res.set_header("Cache-Control", "no-store");
  return session;
}

}  // namespace

void install_signin_routes(service::Service& svc, std::shared_ptr<security::OidcLogin> login,
                           bool tls, const AddRoute& route) {
  // What the sign-in screen offers: the IdP's button, when there is an IdP.
  route("GET", "/v1/auth/config", [login](const net::HttpRequest&, net::HttpResponse& res) {
    send_json(res, 200, {{"oidc", bool(login)}, {"login", login ? "/v1/auth/login" : ""}});
  });
  route("GET", "/v1/auth/login", [login](const net::HttpRequest& req, net::HttpResponse& res) {
    if (!login)
      return send_error(res, not_found("sign-in through the studio's IdP is not configured "
                                       "(serve --oidc-client-id)"));
    auto url = login->begin(req.param("return"));
    if (!url.ok()) return send_error(res, url.status());
    res.status = 302;
    res.set_header("Location", *url);
    res.set_header("Cache-Control", "no-store");
    res.set_body("", "text/plain");
  });
  route("GET", "/v1/auth/callback",
        [&svc, login, tls](const net::HttpRequest& req, net::HttpResponse& res) {
          if (!login)
            return send_error(res, not_found("sign-in through the studio's IdP is not configured"));
          if (req.has_param("error")) {
            request_caller().refusal = "the IdP refused: " + req.param("error");
            return send_error(
                res, unauthenticated("the IdP did not sign you in: " + req.param("error") + " " +
                                     req.param("error_description")));
          }
          auto end = login->finish(req.param("code"), req.param("state"));
          if (!end.ok()) {
            request_caller().refusal = end.status().message();
            return send_error(res, end.status());
          }
          request_caller().who = end->who;
          // Recorded before the browser holds the session.
          auto signed_in = svc.audit().append(
              {{"type", "sign-in"},
               {"via", "page"},
               {"principal",
                {{"id", end->who.id}, {"name", end->who.name}, {"roles", end->who.roles_text()}}},
               {"remote", req.remote}});
          if (!signed_in.ok())
            return send_error(res, internal_error("the audit log cannot be written"), 500);
          auto session = open_session(svc, res, tls, end->credential, end->who, end->expires);
          if (!session.ok()) return send_error(res, session.status());
          res.status = 302;
          res.set_header("Location", end->return_to);
          res.set_body("", "text/plain");
        });
  // A bearer token (a local one typed into the page) exchanged for a page session.
  route("POST", "/v1/auth/session",
        [&svc, tls](const net::HttpRequest& req, net::HttpResponse& res) {
          const std::string header = req.header("Authorization");
          const auto credential = bearer_credential(header);
          if (!credential)
            return send_error(res, unauthenticated("a bearer token is required to open a page "
                                                   "session (Authorization: Bearer ...)"));
          auto who = authenticate(svc, req, res);
          if (!who) return;
          auto session = open_session(svc, res, tls, std::string(*credential), *who, 0);
          if (!session.ok()) return send_error(res, session.status());
          send_json(res, 201,
                    {{"principal", principal_json(*who)},
                     {"csrf", session->csrf},
                     {"expires", session->expires}});
        });
  route("GET", "/v1/auth/session", [&svc](const net::HttpRequest& req, net::HttpResponse& res) {
    auto who = authenticate(svc, req, res);
    if (!who) return;
    nlohmann::json out = {{"principal", principal_json(*who)}};
    if (auto session = svc.web_sessions().find(session_cookie(req));
        session && req.header("Authorization").empty()) {
      out["csrf"] = session->csrf;
      out["expires"] = session->expires;
    }
    res.set_header("Cache-Control", "no-store");
    send_json(res, 200, out);
  });
  route("DELETE", "/v1/auth/session",
        [&svc, tls](const net::HttpRequest& req, net::HttpResponse& res) {
          if (!authenticate(svc, req, res)) return;  // a cookie's change: its CSRF token too
          svc.web_sessions().remove(session_cookie(req));
          res.set_header("Set-Cookie", set_cookie(tls, "", 0));
          send_json(res, 200, {{"signed_out", true}});
        });
}

}  // namespace fl::server
