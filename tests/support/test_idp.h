// An identity provider's signing side, in the test: keys made on the spot (cjose on OpenSSL), the
// discovery document and key set it would publish, and tokens signed (or forged) with them.
#pragma once

#include <cjose/cjose.h>
#include <openssl/hmac.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"

namespace fl::test {

inline std::string b64url(std::string_view bytes) {
  char* out = nullptr;
  size_t len = 0;
  cjose_err err;
  if (!cjose_base64url_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), &out,
                              &len, &err))
    throw std::runtime_error("base64url");
  std::string r(out, len);
  cjose_get_dealloc()(out);
  return r;
}

struct TestKey {
  std::shared_ptr<cjose_jwk_t> jwk;
  std::string kid;
  std::string alg;  // RS256 or ES256

  static TestKey rsa(const std::string& kid, size_t bits = 2048) {
    cjose_err err;
    return make(cjose_jwk_create_RSA_random(bits, nullptr, 0, &err), kid, "RS256");
  }
  static TestKey ec(const std::string& kid) {
    cjose_err err;
    return make(cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &err), kid, "ES256");
  }
  nlohmann::json public_jwk() const {
    cjose_err err;
    char* text = cjose_jwk_to_json(jwk.get(), false, &err);
    auto j = nlohmann::json::parse(text);
    free(text);
    j["use"] = "sig";
    return j;
  }
  std::string sign(const nlohmann::json& claims, const nlohmann::json& extra_header = {}) const {
    cjose_err err;
    cjose_header_t* hdr = cjose_header_new(&err);
    cjose_header_set(hdr, CJOSE_HDR_ALG, alg.c_str(), &err);
    if (!kid.empty()) cjose_header_set(hdr, CJOSE_HDR_KID, kid.c_str(), &err);
    cjose_header_set(hdr, "typ", "at+jwt", &err);
    if (extra_header.is_object())
      for (auto& [k, v] : extra_header.items())
        cjose_header_set_raw(hdr, k.c_str(), v.dump().c_str(), &err);
    const std::string body = claims.dump();
    cjose_jws_t* jws = cjose_jws_sign(jwk.get(), hdr, reinterpret_cast<const uint8_t*>(body.data()),
                                      body.size(), &err);
    cjose_header_release(hdr);
    if (!jws) throw std::runtime_error(std::string("cjose_jws_sign: ") + err.message);
    const char* compact = nullptr;
    cjose_jws_export(jws, &compact, &err);
    std::string r = compact;
    cjose_jws_release(jws);
    return r;
  }

 private:
  static TestKey make(cjose_jwk_t* k, const std::string& kid, const char* alg) {
    if (!k) throw std::runtime_error("key generation failed");
    cjose_err err;
    cjose_jwk_set_kid(k, kid.data(), kid.size(), &err);
    return {std::shared_ptr<cjose_jwk_t>(k, [](cjose_jwk_t* p) { cjose_jwk_release(p); }), kid,
            alg};
  }
};

// A token with any header, signed with HMAC-SHA256 under `secret` (or not signed at all): the
// forgeries a careless verifier accepts.
inline std::string forge(const nlohmann::json& header, const nlohmann::json& claims,
                         const std::string& hmac_secret) {
  const std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  if (hmac_secret.empty()) return input + ".";
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), hmac_secret.data(), int(hmac_secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  return input + "." + b64url(std::string_view(reinterpret_cast<char*>(mac), mac_len));
}

// What the IdP publishes, served from memory to the authenticator's fetcher; counts fetches.
struct TestIdp {
  std::string issuer = "https://idp.studio.test/realms/main";
  std::vector<TestKey> published;
  std::map<std::string, int> fetches;

  nlohmann::json discovery() const {
    return {{"issuer", issuer},
            {"jwks_uri", issuer + "/keys"},
            {"authorization_endpoint", issuer + "/authorize"},
            {"token_endpoint", issuer + "/token"}};
  }
  Result<std::string> serve(const std::string& url) {
    ++fetches[url];
    if (url == issuer + "/.well-known/openid-configuration") return discovery().dump();
    if (url == issuer + "/keys") {
      nlohmann::json keys = nlohmann::json::array();
      for (const auto& k : published) keys.push_back(k.public_jwk());
      return nlohmann::json{{"keys", keys}}.dump();
    }
    return io_error(url + ": HTTP 404");
  }
};

}  // namespace fl::test
