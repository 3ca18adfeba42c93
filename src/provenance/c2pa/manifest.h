// A C2PA manifest store (C2PA 2.x §11): one manifest (its assertions, a `c2pa.claim.v2` that
// lists them by hash, and the claim's COSE_Sign1 signature), in the JUMBF boxes a verifier reads.
// Assertions are CBOR, written from JSON values whose byte strings are json::binary.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"
#include "provenance/c2pa/file_bytes.h"
#include "provenance/c2pa/signing.h"

namespace fl::c2pa {

struct Assertion {
  std::string label;    // "c2pa.actions.v2", "c2pa.hash.data", ...
  nlohmann::json data;  // written as CBOR
};

struct ManifestDefinition {
  // Empty: settle_ids() derives them from `id_seed` and the content's hash, so the same content
  // signed the same way is the same bytes.
  std::string manifest_label;  // "urn:c2pa:<uuid>"
  std::string instance_id;     // "xmp:iid:<uuid>"
  std::string id_seed;
  std::string title;  // dc:title, the file's name
  std::vector<Assertion> assertions;
  // Ingredients' own manifests (whole c2ma boxes), written into the store before this one.
  std::vector<std::string> prior_manifests;
};

// The hash a claim (or an action's ingredient reference) gives an assertion.
std::string assertion_hash(const Assertion& assertion);

// A fresh UUID (version 4), from OpenSSL's generator.
std::string random_uuid();
// A UUID (version 8, RFC 9562) named by the SHA-256 of `name`.
std::string named_uuid(std::string_view name);
// Fills the empty ids from the seed and the hard binding's hash (the containers call it once the
// file's hash is known, before signing).
void settle_ids(ManifestDefinition& definition, std::string_view content_hash);

// The store's bytes. `target_size` 0: as small as it comes; otherwise exactly that many bytes (the
// signature's pad fills the rest), or an error when the manifest does not fit.
Result<std::string> build_manifest_store(const ManifestDefinition& definition,
                                         const SigningIdentity& signer, size_t target_size = 0);

// The size a store will have for `definition` with no target: what a container reserves.
Result<size_t> manifest_store_size(const ManifestDefinition& definition,
                                   const SigningIdentity& signer);

}  // namespace fl::c2pa
