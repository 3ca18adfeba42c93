#include "provenance/c2pa/signing.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "provenance/c2pa/file_bytes.h"

namespace fl::c2pa {
namespace {

namespace fs = std::filesystem;

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using SigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX, BN_CTX_free>>;
using GroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), 32);
}

// RFC 6979 §3.2 for a 256-bit order and SHA-256: the nonce k from the private scalar `x` and the
// message digest `h` (already reduced mod n).
BnPtr rfc6979_nonce(const BIGNUM* x, const BIGNUM* h, const BIGNUM* n) {
  std::string xo(32, '\0'), ho(32, '\0');
  BN_bn2binpad(x, reinterpret_cast<unsigned char*>(xo.data()), 32);
  BN_bn2binpad(h, reinterpret_cast<unsigned char*>(ho.data()), 32);
  std::string v(32, '\x01'), k(32, '\0');
  k = hmac_sha256(k, v + '\0' + xo + ho);
  v = hmac_sha256(k, v);
  k = hmac_sha256(k, v + '\x01' + xo + ho);
  v = hmac_sha256(k, v);
  for (int attempt = 0; attempt < 64; ++attempt) {
    v = hmac_sha256(k, v);
    BnPtr candidate(BN_bin2bn(reinterpret_cast<const unsigned char*>(v.data()), 32, nullptr));
    if (!BN_is_zero(candidate.get()) && BN_cmp(candidate.get(), n) < 0) {
      BN_set_flags(candidate.get(), BN_FLG_CONSTTIME);
      OPENSSL_cleanse(k.data(), k.size());
      return candidate;
    }
    k = hmac_sha256(k, v + '\0');
    v = hmac_sha256(k, v);
  }
  return nullptr;
}

// The extended key usages C2PA's certificate profile accepts for a claim signer (C2PA 2.x
// §14.5.1): emailProtection, documentSigning, timeStamping, OCSPSigning, Microsoft's C2PA
// signing, and C2PA's own claim signing.
const std::set<std::string>& accepted_ekus() {
  static const std::set<std::string> oids{"1.3.6.1.5.5.7.3.4",         "1.3.6.1.5.5.7.3.36",
                                          "1.3.6.1.5.5.7.3.8",         "1.3.6.1.5.5.7.3.9",
                                          "1.3.6.1.4.1.311.76.59.1.9", "1.3.6.1.4.1.62558.2.1"};
  return oids;
}

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Result<std::string> read_pem_file(const std::string& path, std::string_view what) {
  auto text = read_file_bytes(path);
  if (!text.ok()) return text.status().with_context(what);
  return text;
}

std::string der_of(X509* cert) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(cert, &buf);
  std::string out(reinterpret_cast<char*>(buf), size_t(std::max(n, 0)));
  OPENSSL_free(buf);
  return out;
}

X509Ptr cert_from_der(std::string_view der) {
  auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, long(der.size())));
}

std::string name_line(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

// The leaf's fitness as a C2PA claim signer; `where` names the file in the message.
Status check_profile(X509* leaf, EVP_PKEY* key, const std::string& where) {
  if (X509_check_private_key(leaf, key) != 1) {
    ERR_clear_error();
    return invalid_argument(
        fmt::format("the signing key does not match the certificate in '{}'", where));
  }
  if (X509_check_ca(leaf) != 0)
    return invalid_argument(fmt::format(
        "'{}': the signer's certificate is a CA; C2PA wants an end-entity certificate", where));
  const uint32_t usage = X509_get_key_usage(leaf);
  if (usage == UINT32_MAX || !(usage & KU_DIGITAL_SIGNATURE))
    return invalid_argument(fmt::format(
        "'{}': the signer's certificate lacks the digitalSignature key usage C2PA requires",
        where));
  auto* ekus =
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(leaf, NID_ext_key_usage, nullptr, nullptr));
  bool accepted = false;
  for (int i = 0; ekus && i < sk_ASN1_OBJECT_num(ekus); ++i) {
    char oid[80];
    OBJ_obj2txt(oid, sizeof oid, sk_ASN1_OBJECT_value(ekus, i), 1);
    accepted = accepted || accepted_ekus().count(oid) > 0;
  }
  if (ekus) sk_ASN1_OBJECT_pop_free(ekus, ASN1_OBJECT_free);
  if (!accepted)
    return invalid_argument(fmt::format(
        "'{}': the signer's certificate has no extended key usage a C2PA validator accepts "
        "(emailProtection, documentSigning, timeStamping, OCSPSigning or C2PA claim signing)",
        where));
  if (!X509_get0_authority_key_id(leaf))
    return invalid_argument(fmt::format(
        "'{}': the signer's certificate has no authority key identifier, which C2PA requires",
        where));
  if (X509_NAME_get_index_by_NID(X509_get_subject_name(leaf), NID_organizationName, -1) < 0)
    return invalid_argument(fmt::format(
        "'{}': the signer's certificate names no organisation (O=), which C2PA requires", where));
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0)
    return invalid_argument(fmt::format("'{}': the signer's certificate has expired", where));
  if (X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0)
    return invalid_argument(fmt::format("'{}': the signer's certificate is not valid yet", where));
  return ok_status();
}

Status check_key(EVP_PKEY* key, const std::string& where) {
  char group[64] = {0};
  if (!EVP_PKEY_is_a(key, "EC") ||
      !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                      nullptr) ||
      std::string_view(group) != "prime256v1")
    return invalid_argument(fmt::format("'{}' is not a P-256 (ES256) key", where));
  return ok_status();
}

// One certificate: subject `cn`, signed by `issuer_key` (`issuer` null: self-signed).
X509Ptr make_certificate(const std::string& cn, EVP_PKEY* subject_key, X509* issuer,
                         EVP_PKEY* issuer_key, int days, bool ca) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(days) * 86400);
  X509_set_pubkey(cert.get(), subject_key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("framelock installation"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::vector<std::pair<int, std::string>> exts =
      ca ? std::vector<std::pair<int, std::string>>{{NID_basic_constraints,
                                                     "critical,CA:TRUE,pathlen:0"},
                                                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                                    {NID_subject_key_identifier, "hash"}}
         : std::vector<std::pair<int, std::string>>{{NID_basic_constraints, "critical,CA:FALSE"},
                                                    {NID_key_usage, "critical,digitalSignature"},
                                                    {NID_ext_key_usage, "emailProtection"},
                                                    {NID_subject_key_identifier, "hash"},
                                                    {NID_authority_key_identifier, "keyid"}};
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return nullptr;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) return nullptr;
  return cert;
}

Status write_pem(const fs::path& path, const std::string& pem, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) return io_error(fmt::format("cannot create '{}'", path.string()));
  const bool ok = ::write(fd, pem.data(), pem.size()) == ssize_t(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  return ok ? ok_status() : io_error(fmt::format("cannot write '{}'", path.string()));
}

template <class F>
std::string pem_text(F&& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  write(bio.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(n));
}

// Makes the installation's root and signer in a fresh directory beside `dir`, then renames it into
// place: two processes starting at once end up with one identity, never a key of one and the
// certificate of the other.
Status create_installation(const fs::path& dir) {
  PkeyPtr root_key(EVP_EC_gen("P-256")), signer_key(EVP_EC_gen("P-256"));
  if (!root_key || !signer_key)
    return internal_error("cannot make a P-256 key: " + openssl_error());
  X509Ptr root = make_certificate("framelock installation root", root_key.get(), nullptr,
                                  root_key.get(), 3650, true);
  X509Ptr signer = root ? make_certificate("framelock installation signer", signer_key.get(),
                                           root.get(), root_key.get(), 1825, false)
                        : nullptr;
  if (!root || !signer)
    return internal_error("cannot make the installation's certificates: " + openssl_error());
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  const fs::path tmp = dir.string() + fmt::format(".tmp-{}", ::getpid());
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec))
    return io_error(fmt::format("cannot create '{}'", tmp.string()));
  ::chmod(tmp.c_str(), 0700);
  const std::string root_pem = pem_text([&](BIO* b) { PEM_write_bio_X509(b, root.get()); });
  const std::string chain_pem =
      pem_text([&](BIO* b) { PEM_write_bio_X509(b, signer.get()); }) + root_pem;
  const std::string key_pem = pem_text([&](BIO* b) {
    PEM_write_bio_PrivateKey(b, signer_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  Status st = write_pem(tmp / "root.pem", root_pem, 0644);
  if (st.ok()) st = write_pem(tmp / "signer.pem", chain_pem, 0644);
  if (st.ok()) st = write_pem(tmp / "signer.key", key_pem, 0600);
  if (st.ok() && ::rename(tmp.c_str(), dir.c_str()) != 0 && !fs::exists(dir / "signer.key"))
    st = io_error(fmt::format("cannot move the installation's signer into '{}'", dir.string()));
  fs::remove_all(tmp, ec);
  return st;
}

}  // namespace

Result<SigningIdentity> SigningIdentity::load(const std::string& key_pem,
                                              const std::string& chain_pem) {
  FL_ASSIGN_OR_RETURN(std::string key_text, read_pem_file(key_pem, "the signing key: "));
  FL_ASSIGN_OR_RETURN(std::string chain_text,
                      read_pem_file(chain_pem, "the signing certificate chain: "));
  BioPtr key_bio(BIO_new_mem_buf(key_text.data(), int(key_text.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return invalid_argument(fmt::format("'{}' holds no PEM private key", key_pem));
  }
  FL_RETURN_IF_ERROR(check_key(key.get(), key_pem));
  SigningIdentity id;
  BioPtr chain_bio(BIO_new_mem_buf(chain_text.data(), int(chain_text.size())));
  std::vector<X509Ptr> certs;
  while (X509* c = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr))
    certs.emplace_back(c);
  ERR_clear_error();
  if (certs.empty())
    return invalid_argument(fmt::format("'{}' holds no PEM certificate", chain_pem));
  FL_RETURN_IF_ERROR(check_profile(certs[0].get(), key.get(), chain_pem));
  for (const auto& c : certs) id.chain_der_.push_back(der_of(c.get()));
  id.subject_ = name_line(X509_get_subject_name(certs[0].get()));
  id.key_ = std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
  return id;
}

Result<SigningIdentity> SigningIdentity::installation(const std::string& dir) {
  const fs::path root(dir);
  if (!fs::exists(root / "signer.key")) FL_RETURN_IF_ERROR(create_installation(root));
  auto id = load((root / "signer.key").string(), (root / "signer.pem").string());
  if (id.ok()) id->self_issued_ = true;
  return id;
}

std::string SigningIdentity::anchor_pem() const {
  X509Ptr top = cert_from_der(chain_der_.back());
  return top ? pem_text([&](BIO* b) { PEM_write_bio_X509(b, top.get()); }) : std::string();
}

Result<std::string> SigningIdentity::sign(std::string_view data) const {
  // Deterministic ECDSA (RFC 6979): the nonce comes from the key and the message, so the same
  // manifest signed twice is the same bytes (a resumed job equals an uninterrupted one) and no
  // weak random number can leak the key. OpenSSL 3.0 has no deterministic mode; the scalar
  // arithmetic is OpenSSL's, with the nonce marked constant-time.
  BIGNUM* x_raw = nullptr;
  if (!EVP_PKEY_get_bn_param(key_.get(), OSSL_PKEY_PARAM_PRIV_KEY, &x_raw))
    return internal_error("ES256: cannot read the signing key: " + openssl_error());
  BnPtr x(x_raw);
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtxPtr ctx(BN_CTX_new());
  const BIGNUM* n = EC_GROUP_get0_order(group.get());
  const std::string digest = sha256(data);
  BnPtr h(BN_bin2bn(reinterpret_cast<const unsigned char*>(digest.data()), 32, nullptr));
  BnPtr h_mod(BN_new());
  BN_nnmod(h_mod.get(), h.get(), n, ctx.get());
  BnPtr k = rfc6979_nonce(x.get(), h_mod.get(), n);
  BnPtr r(BN_new()), s(BN_new()), kinv(BN_new()), rx(BN_new()), px(BN_new());
  std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>> point(EC_POINT_new(group.get()));
  bool ok =
      k && EC_POINT_mul(group.get(), point.get(), k.get(), nullptr, nullptr, ctx.get()) &&
      EC_POINT_get_affine_coordinates(group.get(), point.get(), px.get(), nullptr, ctx.get()) &&
      BN_nnmod(r.get(), px.get(), n, ctx.get()) && !BN_is_zero(r.get()) &&
      BN_mod_inverse(kinv.get(), k.get(), n, ctx.get()) &&
      BN_mod_mul(rx.get(), r.get(), x.get(), n, ctx.get()) &&
      BN_mod_add(s.get(), h_mod.get(), rx.get(), n, ctx.get()) &&
      BN_mod_mul(s.get(), s.get(), kinv.get(), n, ctx.get()) && !BN_is_zero(s.get());
  if (!ok) return internal_error("ES256 signing failed: " + openssl_error());
  std::string out(64, '\0');
  BN_bn2binpad(r.get(), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(s.get(), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  // A signature that does not verify never leaves: check it with OpenSSL's own verifier.
  if (!verify_es256(chain_der_.front(), data, out).ok())
    return internal_error("ES256: the signature did not verify");
  return out;
}

Status verify_es256(std::string_view leaf_der, std::string_view data, std::string_view signature) {
  X509Ptr leaf = cert_from_der(leaf_der);
  if (!leaf) return corrupt_data("the signer's certificate cannot be read");
  if (signature.size() != 64) return corrupt_data("an ES256 signature is 64 bytes (r ‖ s)");
  SigPtr sig(ECDSA_SIG_new());
  auto* bytes = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_size = i2d_ECDSA_SIG(sig.get(), &der);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const int ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                                      X509_get0_pubkey(leaf.get())) == 1 &&
                 EVP_DigestVerify(ctx.get(), der, size_t(der_size),
                                  reinterpret_cast<const unsigned char*>(data.data()), data.size());
  OPENSSL_free(der);
  ERR_clear_error();
  return ok == 1 ? ok_status() : corrupt_data("the claim's signature does not match");
}

std::string certificate_subject(std::string_view der) {
  X509Ptr cert = cert_from_der(der);
  return cert ? name_line(X509_get_subject_name(cert.get())) : std::string("(unreadable)");
}

Status verify_chain(const std::vector<std::string>& chain_der, const std::string& anchors_pem) {
  if (chain_der.empty()) return corrupt_data("the signature carries no certificate");
  std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>> store(X509_STORE_new());
  BioPtr bio(BIO_new_mem_buf(anchors_pem.data(), int(anchors_pem.size())));
  int anchors = 0;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), c);
    X509_free(c);
    ++anchors;
  }
  ERR_clear_error();
  if (anchors == 0) return invalid_argument("the trust anchors hold no PEM certificate");
  X509Ptr leaf = cert_from_der(chain_der[0]);
  if (!leaf) return corrupt_data("the signer's certificate cannot be read");
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  std::vector<X509Ptr> rest;
  for (size_t i = 1; i < chain_der.size(); ++i)
    if (X509Ptr c = cert_from_der(chain_der[i])) {
      sk_X509_push(untrusted, c.get());
      rest.push_back(std::move(c));
    }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store.get(), leaf.get(), untrusted);
  const int ok = X509_verify_cert(ctx);
  const std::string why =
      ok == 1 ? "" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  ERR_clear_error();
  return ok == 1 ? ok_status() : permission_denied("the signer is not trusted: " + why);
}

}  // namespace fl::c2pa
