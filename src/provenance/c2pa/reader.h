// Reads a file's Content Credentials back and validates them (C2PA 2.x §15), for `framelock
// provenance show|verify` and the server: the store's structure, each assertion against the
// claim's hash of it, the claim's signature, the signer against the trust anchors given, and the
// hard binding against the file's bytes. Codes are C2PA's (claimSignature.validated,
// assertion.dataHash.mismatch, ...), so our verdict reads like the reference implementation's.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framelock/status.h"

namespace fl::c2pa {

struct ValidationEntry {
  std::string code;
  std::string explanation;
};

struct ManifestReport {
  std::string file;
  std::string label;                                     // the active manifest's label
  nlohmann::json claim;                                  // decoded
  nlohmann::json assertions = nlohmann::json::object();  // label -> decoded CBOR
  std::string signer;                                    // the leaf certificate's subject
  std::vector<std::string> chain_subjects;
  std::vector<ValidationEntry> success, failure, informational;
  // "Trusted" (valid and the signer chains to an anchor), "Valid" (valid, signer not known),
  // "Invalid" (any failure).
  std::string state;

  nlohmann::json to_json() const;
};

// `trust_anchors_pem` holds the roots to trust (PEM text; empty: none, so at best "Valid").
// not_found when the file has no manifest; a damaged store gives an "Invalid" report, never a
// crash.
Result<ManifestReport> read_and_validate(const std::string& path,
                                         const std::string& trust_anchors_pem);

// The same over a store's bytes alone, the hard binding not checked (the fuzz target's entry).
ManifestReport validate_store(std::string_view store, const std::string& trust_anchors_pem);

}  // namespace fl::c2pa
