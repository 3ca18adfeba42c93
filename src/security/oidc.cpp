#include "security/oidc.h"

#include <cjose/cjose.h>

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/json_text.h"

namespace fl::security {
namespace {

using nlohmann::json;

// A compact JWS is three base64url parts; anything longer than this is not an access token.
constexpr size_t kMaxTokenBytes = 16 * 1024;
// RFC 8725 §3.1: the algorithms we accept, each with the one key type it may use.
struct AllowedAlg {
  const char* alg;
  const char* kty;
  const char* crv;  // EC curve, or nullptr
};
constexpr AllowedAlg kAllowedAlgs[] = {{"RS256", "RSA", nullptr}, {"ES256", "EC", "P-256"}};
constexpr size_t kMinRsaModulusBytes = 2048 / 8;

const AllowedAlg* allowed_alg(std::string_view alg) {
  for (const auto& a : kAllowedAlgs)
    if (alg == a.alg) return &a;
  return nullptr;
}

bool is_base64url(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::optional<std::string> base64url_decode(std::string_view s) {
  uint8_t* out = nullptr;
  size_t len = 0;
  cjose_err err;
  if (!cjose_base64url_decode(s.data(), s.size(), &out, &len, &err)) return std::nullopt;
  std::string r(reinterpret_cast<const char*>(out), len);
  cjose_get_dealloc()(out);
  return r;
}

Status refused(std::string why) { return unauthenticated("access token refused: " + why); }

struct JwkDeleter {
  void operator()(cjose_jwk_t* k) const { cjose_jwk_release(k); }
};
struct JwsDeleter {
  void operator()(cjose_jws_t* j) const { cjose_jws_release(j); }
};

bool audience_matches(const json& aud, const std::string& want) {
  if (aud.is_string()) return aud.get<std::string>() == want;
  if (!aud.is_array()) return false;
  return std::any_of(aud.begin(), aud.end(),
                     [&](const json& a) { return a.is_string() && a.get<std::string>() == want; });
}

// An array of strings, or one string of comma-separated names (glewlwyd writes a multi-valued
// user property into an access token that way).
std::vector<std::string> strings_of(const json& claim) {
  std::vector<std::string> out;
  if (claim.is_string()) {
    const std::string all = claim.get<std::string>();
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(',', start);
      if (end == std::string::npos) end = all.size();
      std::string one = all.substr(start, end - start);
      one.erase(0, one.find_first_not_of(' '));
      one.erase(one.find_last_not_of(' ') + 1);
      if (!one.empty()) out.push_back(one);
      start = end + 1;
    }
  }
  if (claim.is_array())
    for (const auto& g : claim)
      if (g.is_string()) out.push_back(g.get<std::string>());
  return out;
}

bool absolute_http_url(const std::string& u) {
  return u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0;
}

}  // namespace

struct OidcAuthenticator::KeySet {
  struct Key {
    std::string kid;
    const AllowedAlg* alg = nullptr;  // the one algorithm this key may verify
    std::unique_ptr<cjose_jwk_t, JwkDeleter> jwk;
  };
  std::vector<Key> keys;

  // Keys a token signed with `alg` (and naming `kid`, if it does) may be checked against.
  std::vector<const cjose_jwk_t*> candidates(const AllowedAlg* alg,
                                             const std::optional<std::string>& kid) const {
    std::vector<const cjose_jwk_t*> out;
    for (const auto& k : keys)
      if (k.alg == alg && (!kid || k.kid == *kid)) out.push_back(k.jwk.get());
    return out;
  }
};

int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::shared_ptr<OidcAuthenticator>> OidcAuthenticator::create(OidcOptions options,
                                                                     UrlFetcher fetch,
                                                                     Clock clock) {
  if (options.issuer.empty() || !absolute_http_url(options.issuer))
    return invalid_argument("the OIDC issuer must be an http(s) URL", "oidc-issuer");
  if (options.audience.empty())
    return invalid_argument(
        "an OIDC audience is required: tokens for other services must not be accepted",
        "oidc-audience");
  if (options.roles_claim.empty())
    return invalid_argument("the roles claim is empty", "roles_claim");
  if (!fetch) return invalid_argument("no URL fetcher");
  if (!clock) clock = system_now;
  return std::shared_ptr<OidcAuthenticator>(
      new OidcAuthenticator(std::move(options), std::move(fetch), std::move(clock)));
}

OidcAuthenticator::OidcAuthenticator(OidcOptions options, UrlFetcher fetch, Clock clock)
    : options_(std::move(options)), fetch_(std::move(fetch)), clock_(std::move(clock)) {}

OidcAuthenticator::~OidcAuthenticator() = default;

OidcAuthenticator::Counters OidcAuthenticator::counters() const {
  std::lock_guard lock(mu_);
  Counters c = counters_;
  c.keys = keys_ ? keys_->keys.size() : 0;
  return c;
}

static Result<OidcProvider> parse_discovery(const std::string& body, const std::string& issuer) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return io_error("the OIDC discovery document is not a JSON object");
  OidcProvider p;
  auto str = [&](const char* k) {
    auto it = doc.find(k);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  p.issuer = str("issuer");
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
  if (p.issuer != issuer)
    return io_error("the OIDC discovery document names issuer '" + p.issuer + "', not '" + issuer +
                    "'");
  p.jwks_uri = str("jwks_uri");
  p.authorization_endpoint = str("authorization_endpoint");
  p.token_endpoint = str("token_endpoint");
  p.end_session_endpoint = str("end_session_endpoint");
  if (!absolute_http_url(p.jwks_uri))
    return io_error("the OIDC discovery document has no usable jwks_uri");
  // Keys over plain http only when the issuer itself is plain http (a test IdP on loopback).
  if (issuer.rfind("https://", 0) == 0 && p.jwks_uri.rfind("https://", 0) != 0)
    return io_error("the OIDC jwks_uri must be https when the issuer is");
  return p;
}

// The usable signing keys of a JWKS document: an encryption key, an unknown type or curve, a key
// whose own `alg` is not one we allow, or an RSA modulus under 2048 bits is left out.
static Result<std::shared_ptr<OidcAuthenticator::KeySet>> parse_key_set(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return io_error("the OIDC key set (JWKS) is not a JSON object with a \"keys\" array");
  auto set = std::make_shared<OidcAuthenticator::KeySet>();
  for (const auto& k : doc["keys"]) {
    if (!k.is_object()) continue;
    auto field = [&](const char* f) {
      auto it = k.find(f);
      return it != k.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (!field("use").empty() && field("use") != "sig") continue;
    const AllowedAlg* alg = nullptr;
    for (const auto& a : kAllowedAlgs)
      if (field("kty") == a.kty && (!a.crv || field("crv") == a.crv)) alg = &a;
    if (!alg) continue;
    if (!field("alg").empty() && field("alg") != alg->alg) continue;
    if (std::string_view(alg->kty) == "RSA") {
      auto n = base64url_decode(field("n"));
      if (!n || n->size() < kMinRsaModulusBytes) continue;
    }
    json pub = k;
    for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "k"}) pub.erase(priv);
    const std::string text = json_text(pub);
    cjose_err err;
    std::unique_ptr<cjose_jwk_t, JwkDeleter> jwk(cjose_jwk_import(text.data(), text.size(), &err));
    if (!jwk) continue;
    set->keys.push_back({field("kid"), alg, std::move(jwk)});
  }
  return set;
}

Status OidcAuthenticator::fetch_locked(int64_t now) {
  attempted_ = true;
  last_attempt_at_ = now;
  if (!provider_) {
    std::string base = options_.issuer;
    while (!base.empty() && base.back() == '/') base.pop_back();
    ++counters_.discovery_fetches;
    auto body = fetch_(base + "/.well-known/openid-configuration");
    if (!body.ok()) return io_error("OIDC discovery failed: " + body.status().message());
    FL_ASSIGN_OR_RETURN(auto p, parse_discovery(*body, options_.issuer));
    provider_ = std::move(p);
  }
  ++counters_.key_set_fetches;
  auto body = fetch_(provider_->jwks_uri);
  if (!body.ok()) return io_error("fetching the OIDC key set failed: " + body.status().message());
  FL_ASSIGN_OR_RETURN(auto set, parse_key_set(*body));
  if (set->keys.empty())
    return io_error("the OIDC key set has no RS256 or ES256 signing key this server accepts");
  keys_ = std::move(set);
  keys_fetched_at_ = now;
  return ok_status();
}

Status OidcAuthenticator::refresh() {
  std::lock_guard lock(mu_);
  return fetch_locked(clock_());
}

Result<OidcProvider> OidcAuthenticator::provider() {
  std::lock_guard lock(mu_);
  if (!provider_) FL_RETURN_IF_ERROR(fetch_locked(clock_()));
  return *provider_;
}

Result<std::shared_ptr<const OidcAuthenticator::KeySet>> OidcAuthenticator::keys(bool unknown_kid) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_();
  const bool stale = !keys_ || now - keys_fetched_at_ >= options_.keys_max_age_s;
  // Every fetch, failed or not, is spaced: a flood of tokens naming made-up keys, or an IdP that
  // is down, must not turn into a flood of requests to the IdP.
  const bool may_fetch = !attempted_ || now - last_attempt_at_ >= options_.refetch_min_interval_s;
  if ((stale || unknown_kid) && may_fetch) {
    Status s = fetch_locked(now);
    if (!s.ok() && !keys_) return unauthenticated("the identity provider's keys are unavailable");
  }
  if (!keys_) return unauthenticated("the identity provider's keys are unavailable");
  return keys_;
}

Result<Principal> OidcAuthenticator::authenticate(std::string_view credential) {
  // Shape first: a local token or garbage is someone else's business.
  if (credential.size() > kMaxTokenBytes) return permission_denied("not a JWT");
  const size_t d1 = credential.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : credential.find('.', d1 + 1);
  if (d2 == std::string_view::npos || credential.find('.', d2 + 1) != std::string_view::npos)
    return permission_denied("not a JWT");
  const std::string_view head_b64 = credential.substr(0, d1);
  const std::string_view body_b64 = credential.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view sig_b64 = credential.substr(d2 + 1);
  if (head_b64.empty() || body_b64.empty() || !is_base64url(head_b64) || !is_base64url(body_b64) ||
      !is_base64url(sig_b64))
    return permission_denied("not a JWT");
  auto head_text = base64url_decode(head_b64);
  json head = head_text ? json::parse(*head_text, nullptr, false) : json();
  if (!head.is_object() || !head.contains("alg") || !head["alg"].is_string())
    return permission_denied("not a JWT");

  // From here on it is a JWT: every refusal says why.
  const std::string alg_name = head["alg"].get<std::string>();
  const AllowedAlg* alg = allowed_alg(alg_name);
  if (!alg) return refused("algorithm '" + alg_name + "' is not accepted (RS256, ES256 are)");
  if (sig_b64.empty()) return refused("the token is not signed");
  if (head.contains("crit")) return refused("the token has critical header parameters");
  if (head.contains("typ")) {
    const json& typ = head["typ"];
    std::string t = typ.is_string() ? typ.get<std::string>() : std::string("?");
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t != "jwt" && t != "at+jwt" && t != "application/at+jwt")
      return refused("a token of type '" + t + "' is not an access token");
  }
  std::optional<std::string> kid;
  if (head.contains("kid")) {
    if (!head["kid"].is_string()) return refused("its key id is not a string");
    kid = head["kid"].get<std::string>();
  }

  std::unique_ptr<cjose_jws_t, JwsDeleter> jws;
  {
    cjose_err err;
    jws.reset(cjose_jws_import(credential.data(), credential.size(), &err));
    if (!jws) return refused("its signature part cannot be read");
  }
  FL_ASSIGN_OR_RETURN(auto set, keys(false));
  auto candidates = set->candidates(alg, kid);
  if (candidates.empty() && kid) {
    // Key rotation: the IdP may have published a key since we last looked.
    FL_ASSIGN_OR_RETURN(set, keys(true));
    candidates = set->candidates(alg, kid);
  }
  if (candidates.empty())
    return refused(kid ? "it names a signing key ('" + *kid +
                             "') the identity provider does not "
                             "publish for " +
                             alg_name
                       : "the identity provider publishes no " + alg_name + " key");
  bool verified = false;
  for (const cjose_jwk_t* jwk : candidates) {
    cjose_err err;
    if (cjose_jws_verify(jws.get(), jwk, &err)) {
      verified = true;
      break;
    }
  }
  if (!verified) return refused("its signature does not verify");

  uint8_t* plain = nullptr;
  size_t plain_len = 0;
  cjose_err err;
  if (!cjose_jws_get_plaintext(jws.get(), &plain, &plain_len, &err))
    return refused("its payload cannot be read");
  json claims = json::parse(std::string_view(reinterpret_cast<const char*>(plain), plain_len),
                            nullptr, false);
  if (!claims.is_object()) return refused("its payload is not a JSON object");

  auto number = [&](const char* c) -> std::optional<int64_t> {
    auto it = claims.find(c);
    if (it == claims.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    if (!(v > -1e15 && v < 1e15)) return std::nullopt;  // not a time (and not castable)
    return int64_t(v);
  };
  if (!claims.contains("iss") || claims["iss"] != options_.issuer)
    return refused("it was issued by another issuer");
  if (!claims.contains("aud") || !audience_matches(claims["aud"], options_.audience))
    return refused("it is meant for another audience");
  const int64_t now = clock_();
  const auto exp = number("exp");
  if (!exp) return refused("it has no expiry (exp)");
  if (now > *exp + options_.leeway_s) return refused("it has expired");
  if (const auto nbf = number("nbf");
      claims.contains("nbf") && (!nbf || now + options_.leeway_s < *nbf))
    return refused("it is not valid yet (nbf)");
  if (const auto iat = number("iat"); iat && *iat > now + options_.leeway_s)
    return refused("it was issued in the future (iat)");
  if (!claims.contains("sub") || !claims["sub"].is_string() ||
      claims["sub"].get<std::string>().empty())
    return refused("it names no subject (sub)");

  Principal p;
  bool granted = false;
  std::vector<std::string> groups;
  if (auto it = claims.find(options_.roles_claim); it != claims.end()) groups = strings_of(*it);
  for (const auto& g : groups)
    if (auto r = options_.group_grants.find(g); r != options_.group_grants.end())
      for (const auto& grant : r->second) {
        p.grant(grant);
        granted = true;
      }
  if (!granted)
    return refused("signed in, but no group in the '" + options_.roles_claim +
                   "' claim grants a role here (the policy file's identity.groups)");

  const std::string sub = claims["sub"].get<std::string>();
  p.id = "oidc:" + sub;
  p.name = sub;
  for (const char* c : {"preferred_username", "email", "name"})
    if (auto it = claims.find(c); it != claims.end() && it->is_string() && !it->empty()) {
      p.name = it->get<std::string>();
      break;
    }
  return p;
}

}  // namespace fl::security
