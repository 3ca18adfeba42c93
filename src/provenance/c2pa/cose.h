// COSE_Sign1 (RFC 9052) as C2PA uses it for a claim's signature (C2PA 2.x §14): ES256, the
// signer's chain in the protected header (x5chain, label 33), a detached payload (the claim's
// CBOR), and a `pad` in the unprotected header so a manifest can be made to fit a reserved size.
// Encoded and decoded with libcbor: COSE headers are maps with integer keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "framelock/status.h"
#include "provenance/c2pa/signing.h"

namespace fl::c2pa {

struct CoseSign1 {
  std::string protected_header;      // the serialized protected map, as signed
  int64_t alg = 0;                   // -7: ES256
  std::vector<std::string> x5chain;  // DER, leaf first
  std::string signature;             // r ‖ s
};

// Whether `bytes` is one CBOR item whose every definite array, map and string is no longer than
// what is left of the input (indefinite lengths refused). CBOR decoders size a container by its
// header before reading an element, so a five-byte header could ask for gigabytes: a hostile file
// is stopped here, before libcbor or nlohmann-json sees it.
bool well_bounded_cbor(std::string_view bytes);

// COSE_Sign1_Tagged over `claim`, with `pad` zero bytes of padding.
Result<std::string> cose_sign1(const SigningIdentity& signer, std::string_view claim, size_t pad);
// Parses COSE_Sign1 (tagged or not). A damaged structure is an error, never a crash.
Result<CoseSign1> parse_cose_sign1(std::string_view bytes);
// Checks `sign1`'s signature over `claim` with its leaf certificate.
Status verify_cose_sign1(const CoseSign1& sign1, std::string_view claim);

}  // namespace fl::c2pa
