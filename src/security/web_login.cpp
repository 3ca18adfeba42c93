#include "security/web_login.h"

#include <nlohmann/json.hpp>

#include "core/text_encoding.h"
#include "security/token_store.h"

namespace fl::security {

namespace {

constexpr int64_t kLoginTtlS = 600;
constexpr size_t kMaxPendingLogins = 10000;
constexpr size_t kMaxSessions = 100000;

Clock or_system(Clock clock) { return clock ? std::move(clock) : Clock(system_now); }

}  // namespace

std::string url_encode(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string safe_return_path(std::string_view path) {
  if (path.empty() || path.size() > 2000 || path[0] != '/') return "/";
  if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return "/";
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return "/";
  return std::string(path);
}

WebSessions::WebSessions(Clock clock, int64_t max_age_s)
    : clock_(or_system(std::move(clock))), max_age_s_(max_age_s) {}

Result<NewWebSession> WebSessions::create(std::string credential, std::string principal_id,
                                          int64_t expires) {
  FL_ASSIGN_OR_RETURN(std::string cookie, random_base64url(32));
  FL_ASSIGN_OR_RETURN(std::string csrf, random_base64url(32));
  const int64_t now = clock_();
  const int64_t end = expires > 0 ? std::min(expires, now + max_age_s_) : now + max_age_s_;
  std::lock_guard lock(mu_);
  if (sessions_.size() >= kMaxSessions)
    for (auto it = sessions_.begin(); it != sessions_.end();)
      it = it->second.expires <= now ? sessions_.erase(it) : std::next(it);
  if (sessions_.size() >= kMaxSessions)
    return resource_exhausted("too many signed-in pages: try again later");
  sessions_[sha256_hex(cookie)] = {std::move(credential), csrf, std::move(principal_id), end};
  return NewWebSession{cookie, csrf, end};
}

std::optional<WebSession> WebSessions::find(std::string_view cookie) {
  if (cookie.empty() || cookie.size() > 100) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(sha256_hex(cookie));
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= clock_()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void WebSessions::remove(std::string_view cookie) {
  std::lock_guard lock(mu_);
  sessions_.erase(sha256_hex(cookie));
}

size_t WebSessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

OidcLogin::OidcLogin(std::shared_ptr<OidcAuthenticator> idp, OidcLoginOptions options,
                     FormPoster post, Clock clock)
    : idp_(std::move(idp)),
      options_(std::move(options)),
      post_(std::move(post)),
      clock_(or_system(std::move(clock))) {}

Result<std::string> OidcLogin::begin(const std::string& return_to) {
  FL_ASSIGN_OR_RETURN(OidcProvider provider, idp_->provider());
  if (provider.authorization_endpoint.empty())
    return unsupported("the IdP's discovery document names no authorization_endpoint");
  FL_ASSIGN_OR_RETURN(std::string state, random_base64url(24));
  FL_ASSIGN_OR_RETURN(std::string verifier, random_base64url(32));  // 43 characters (§4.1)
  {
    std::lock_guard lock(mu_);
    const int64_t now = clock_();
    for (auto it = pending_.begin(); it != pending_.end();)
      it = now - it->second.created > kLoginTtlS ? pending_.erase(it) : std::next(it);
    if (pending_.size() >= kMaxPendingLogins)
      return resource_exhausted("too many sign-ins under way: try again later");
    pending_[state] = {verifier, safe_return_path(return_to), now};
  }
  const std::string& base = provider.authorization_endpoint;
  return base + (base.find('?') == std::string::npos ? "?" : "&") +
         "response_type=code&client_id=" + url_encode(options_.client_id) +
         "&redirect_uri=" + url_encode(options_.redirect_uri) +
         "&scope=" + url_encode(options_.scope) + "&state=" + url_encode(state) +
         "&code_challenge=" + base64_encode(sha256(verifier), /*url_safe=*/true) +
         "&code_challenge_method=S256";
}

Result<LoginEnd> OidcLogin::finish(const std::string& code, const std::string& state) {
  Pending p;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(state);
    // Used once: a replayed or forged state (login CSRF) finds nothing.
    if (state.empty() || it == pending_.end())
      return unauthenticated("sign-in refused: this sign-in was not started here, or was used");
    p = it->second;
    pending_.erase(it);
  }
  if (clock_() - p.created > kLoginTtlS)
    return unauthenticated("sign-in refused: it took longer than ten minutes; sign in again");
  if (code.empty()) return unauthenticated("sign-in refused: the IdP sent no code");
  FL_ASSIGN_OR_RETURN(OidcProvider provider, idp_->provider());
  FormFields fields = {{"grant_type", "authorization_code"},
                       {"code", code},
                       {"redirect_uri", options_.redirect_uri},
                       {"code_verifier", p.verifier}};
  if (options_.client_secret.empty()) fields.emplace_back("client_id", options_.client_id);
  auto answer = post_(provider.token_endpoint, fields,
                      options_.client_secret.empty() ? std::string() : options_.client_id,
                      options_.client_secret);
  if (!answer.ok())
    return unauthenticated("sign-in refused: the IdP did not exchange the code (" +
                           answer.status().message() + ")");
  auto doc = nlohmann::json::parse(*answer, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string())
    return unauthenticated("sign-in refused: the IdP's answer holds no access_token");
  LoginEnd end;
  end.credential = doc["access_token"].get<std::string>();
  FL_ASSIGN_OR_RETURN(end.who, idp_->authenticate(end.credential));
  end.return_to = p.return_to;
  if (doc.contains("expires_in") && doc["expires_in"].is_number_integer())
    end.expires = clock_() + doc["expires_in"].get<int64_t>();
  return end;
}

}  // namespace fl::security
