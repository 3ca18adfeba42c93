#include "provenance/c2pa/reader.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "provenance/c2pa/container.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/file_bytes.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/signing.h"

namespace fl::c2pa {
namespace {

using nlohmann::json;

// Byte strings as hex, for display.
json displayable(const json& v) {
  if (v.is_binary()) {
    std::string hex;
    for (uint8_t b : v.get_binary()) hex += fmt::format("{:02x}", b);
    return hex;
  }
  if (v.is_object() || v.is_array()) {
    json out = v.is_object() ? json::object() : json::array();
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (v.is_object())
        out[it.key()] = displayable(*it);
      else
        out.push_back(displayable(*it));
    }
    return out;
  }
  return v;
}

json decode_cbor(std::string_view bytes) {
  if (!well_bounded_cbor(bytes)) return json(json::value_t::discarded);
  try {  // nlohmann-json throws for some malformed input even when asked not to
    return json::from_cbor(bytes.begin(), bytes.end(), true, false,
                           json::cbor_tag_handler_t::ignore);
  } catch (const json::exception&) {
    return json(json::value_t::discarded);
  }
}

// The assertion a claim's URL names ("self#jumbf=c2pa.assertions/LABEL", or the absolute form).
std::string assertion_label_of(const std::string& url) {
  const size_t at = url.rfind("c2pa.assertions/");
  return at == std::string::npos ? std::string() : url.substr(at + 16);
}

bool is_hard_binding(const std::string& label) {
  return label == "c2pa.hash.data" || label == "c2pa.hash.collection.data" ||
         label.rfind("c2pa.hash.bmff", 0) == 0;
}

struct Validation {
  ManifestReport& r;
  const Superbox* manifest = nullptr;
  std::string binding_label;
  json binding;

  void ok(std::string code, std::string why) {
    r.success.push_back({std::move(code), std::move(why)});
  }
  void fail(std::string code, std::string why) {
    r.failure.push_back({std::move(code), std::move(why)});
  }
  void note(std::string code, std::string why) {
    r.informational.push_back({std::move(code), std::move(why)});
  }

  // What a hostile store decodes to may have any type where a string or a number belongs:
  // nlohmann-json's accessors throw there, and the throw is a malformed manifest, never a crash.
  void run_guarded(std::string_view store, const std::string& anchors) {
    try {
      run(store, anchors);
    } catch (const json::exception& e) {
      fail("claim.malformed", std::string("the manifest is malformed: ") + e.what());
      binding_label.clear();
    }
  }

  void run(std::string_view store, const std::string& anchors) {
    auto parsed = parse_superbox(store);
    if (!parsed.ok() || parsed->uuid != kManifestStore) {
      fail("manifest.malformed",
           parsed.ok() ? "not a C2PA manifest store" : parsed.status().message());
      return;
    }
    // The active manifest is the last one in the store.
    for (const auto& m : parsed->children)
      if (m.uuid == kManifest) manifest = &m;
    if (!manifest) {
      fail("claim.missing", "the store holds no manifest");
      return;
    }
    r.label = manifest->label;
    const Superbox* claim_box = nullptr;
    for (const auto& c : manifest->children)
      if (c.uuid == kClaim) claim_box = &c;
    const Superbox* sig_box = manifest->child("c2pa.signature");
    const Superbox* store_box = manifest->child("c2pa.assertions");
    if (!claim_box || claim_box->content_of("cbor").empty()) {
      fail("claim.missing", "the manifest has no claim");
      return;
    }
    const std::string_view claim_bytes = claim_box->content_of("cbor");
    r.claim = decode_cbor(claim_bytes);
    if (r.claim.is_discarded() || !r.claim.is_object()) {
      fail("claim.cbor.invalid", "the claim is not well-formed CBOR");
      r.claim = json();
      return;
    }
    check_signature(sig_box, claim_bytes, anchors);
    check_assertions(store_box);
  }

  void check_signature(const Superbox* sig_box, std::string_view claim_bytes,
                       const std::string& anchors) {
    if (!sig_box || sig_box->content_of("cbor").empty()) {
      fail("claimSignature.missing", "the manifest has no claim signature");
      return;
    }
    auto sign1 = parse_cose_sign1(sig_box->content_of("cbor"));
    if (!sign1.ok()) {
      fail("claimSignature.mismatch", sign1.status().message());
      return;
    }
    for (const auto& der : sign1->x5chain) r.chain_subjects.push_back(certificate_subject(der));
    if (!r.chain_subjects.empty()) r.signer = r.chain_subjects.front();
    if (Status st = verify_cose_sign1(*sign1, claim_bytes); !st.ok()) {
      fail("claimSignature.mismatch", st.message());
      return;
    }
    ok("claimSignature.validated", "claim signature valid");
    if (anchors.empty()) {
      note("signingCredential.untrusted", "no trust anchors were given: the signer is not checked");
    } else if (Status st = verify_chain(sign1->x5chain, anchors); st.ok()) {
      ok("signingCredential.trusted", "the signer chains to a trust anchor");
    } else {
      fail("signingCredential.untrusted", st.message());
    }
  }

  void check_assertions(const Superbox* store_box) {
    json listed = r.claim.value("created_assertions", json::array());
    for (const auto& a : r.claim.value("gathered_assertions", json::array())) listed.push_back(a);
    for (const auto& ref : listed) {
      const std::string url = ref.value("url", "");
      const std::string label = assertion_label_of(url);
      const Superbox* box = store_box ? store_box->child(label) : nullptr;
      if (!box) {
        fail("assertion.missing", "the claim lists " + url + ", which the store does not hold");
        continue;
      }
      const auto want = ref.contains("hash") && ref["hash"].is_binary() ? ref["hash"].get_binary()
                                                                        : json::binary_t();
      if (sha256(box->contents) != std::string(want.begin(), want.end())) {
        fail("assertion.hashedURI.mismatch", "hashed uri does not match: " + url);
        continue;
      }
      ok("assertion.hashedURI.match", "hashed uri matched: " + url);
      const json data = decode_cbor(box->content_of("cbor"));
      if (data.is_discarded()) {
        fail("assertion.cbor.invalid", label + " is not well-formed CBOR");
        continue;
      }
      r.assertions[label] = data;
      if (is_hard_binding(label)) {
        binding_label = label;
        binding = data;
      }
    }
    if (binding_label.empty()) fail("claim.hardBindings.missing", "the claim has no hard binding");
  }
};

void settle_state(ManifestReport& r) {
  const bool trusted =
      std::any_of(r.success.begin(), r.success.end(),
                  [](const ValidationEntry& e) { return e.code == "signingCredential.trusted"; });
  r.state = !r.failure.empty() ? "Invalid" : trusted ? "Trusted" : "Valid";
}

}  // namespace

json ManifestReport::to_json() const {
  auto entries = [](const std::vector<ValidationEntry>& v) {
    json out = json::array();
    for (const auto& e : v) out.push_back({{"code", e.code}, {"explanation", e.explanation}});
    return out;
  };
  return {{"file", file},
          {"state", state},
          {"manifest", label},
          {"signer", signer},
          {"chain", chain_subjects},
          {"claim", displayable(claim)},
          {"assertions", displayable(assertions)},
          {"validation",
           {{"success", entries(success)},
            {"failure", entries(failure)},
            {"informational", entries(informational)}}}};
}

ManifestReport validate_store(std::string_view store, const std::string& trust_anchors_pem) {
  ManifestReport report;
  Validation v{report};
  v.run_guarded(store, trust_anchors_pem);
  settle_state(report);
  return report;
}

Result<ManifestReport> read_and_validate(const std::string& path,
                                         const std::string& trust_anchors_pem) {
  // What is read: a file with its store embedded; a file and its sidecar; an image sequence's
  // pattern and its one sidecar; or a sidecar named directly (its asset beside it).
  std::string asset = path, store_file;
  std::optional<Container> container;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) && is_sequence_pattern(path)) {
    store_file = sequence_sidecar_path(path);
  } else if (path.ends_with(".c2pa")) {
    store_file = path;
    asset = path.substr(0, path.size() - 5);
  } else {
    if (!std::filesystem::exists(path, ec))
      return not_found(fmt::format("cannot read '{}'", path), path);
    container = detect_container(path);
    if (!container) store_file = sidecar_path(path);
  }
  std::string store;
  if (container) {
    FL_ASSIGN_OR_RETURN(store, read_embedded_store(path, *container));
  } else {
    if (!std::filesystem::exists(store_file, ec))
      return not_found(
          fmt::format("'{}' carries no C2PA manifest and has no sidecar {}", path, store_file));
    FL_ASSIGN_OR_RETURN(store, read_file_bytes(store_file));
  }
  ManifestReport report;
  report.file = path;
  Validation v{report};
  v.run_guarded(store, trust_anchors_pem);
  if (v.binding_label == "c2pa.hash.collection.data") {
    const BindingVerdict verdict = check_collection_hash(store_file, v.binding);
    if (verdict.ok())
      v.ok(verdict.code, verdict.explanation);
    else
      v.fail(verdict.code, verdict.explanation);
  } else if (!v.binding_label.empty()) {
    const std::string kind = v.binding_label == "c2pa.hash.data" ? "dataHash" : "bmffHash";
    Status st;
    try {
      st = check_hard_binding(asset, container, v.binding_label, v.binding);
    } catch (const json::exception& e) {
      st = corrupt_data(std::string("the hard binding is malformed: ") + e.what());
    }
    if (st.ok())
      v.ok("assertion." + kind + ".match", "the file's bytes match its " + v.binding_label);
    else
      v.fail("assertion." + kind + ".mismatch", st.message());
  }
  settle_state(report);
  return report;
}

}  // namespace fl::c2pa
