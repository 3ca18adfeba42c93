// Who signs a manifest: an ES256 key (P-256) and its X.509 chain, leaf first. A studio gives its
// own (`--sign-key KEY.pem --sign-cert CHAIN.pem`); without one, framelock makes a per-installation
// root and signer on first use, which verifiers will call untrusted until the studio adds the root
// to their trust list. Either way the signer is checked against C2PA's certificate profile before
// anything renders.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framelock/status.h"

struct evp_pkey_st;

namespace fl::c2pa {

class SigningIdentity {
 public:
  // The studio's key and chain (PEM files). Refused, naming the file, when either is missing or
  // unreadable, the key is not P-256, it does not match the leaf certificate, or the leaf lacks
  // the key usage (digitalSignature) or an extended key usage a C2PA validator accepts.
  static Result<SigningIdentity> load(const std::string& key_pem, const std::string& chain_pem);
  // The installation's own signer under `dir` (made on first use: a root, and a signer it
  // issued; the root's key is not kept). `dir/root.pem` is what a verifier must trust.
  static Result<SigningIdentity> installation(const std::string& dir);

  // ES256 over `data`: the signature in COSE's form, r ‖ s (64 bytes), not DER.
  Result<std::string> sign(std::string_view data) const;

  const std::vector<std::string>& chain_der() const { return chain_der_; }
  // The top of the chain as PEM: what this signer's own verifications trust (the installation's
  // root, or the last certificate of the studio's chain).
  std::string anchor_pem() const;
  const std::string& subject() const { return subject_; }
  // True for the installation's own signer: verifiers will not trust it by default.
  bool self_issued() const { return self_issued_; }

 private:
  std::shared_ptr<evp_pkey_st> key_;
  std::vector<std::string> chain_der_;
  std::string subject_;
  bool self_issued_ = false;
};

// ES256 verification of an r ‖ s signature over `data` with the leaf certificate's key.
Status verify_es256(std::string_view leaf_der, std::string_view data, std::string_view signature);

// A certificate's subject as one line ("CN=..., O=..."), for `provenance show`.
std::string certificate_subject(std::string_view der);
// Whether `chain` (leaf first) leads to one of `anchors_pem`'s certificates, checked by OpenSSL
// at the present time (the manifests carry no time stamp yet).
Status verify_chain(const std::vector<std::string>& chain_der, const std::string& anchors_pem);

}  // namespace fl::c2pa
