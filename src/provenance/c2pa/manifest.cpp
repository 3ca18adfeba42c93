#include "provenance/c2pa/manifest.h"

#include <openssl/rand.h>

#include <fmt/format.h>

#include "framelock/version.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/jumbf.h"

namespace fl::c2pa {
namespace {

using nlohmann::json;

// The pad a store is first built with: its CBOR header is 3 bytes for any pad in [256, 65535],
// so growing it by n grows the store by exactly n.
constexpr size_t kBasePad = 256;

json bytes_value(std::string_view b) {
  return json::binary(std::vector<uint8_t>(b.begin(), b.end()));
}

std::string cbor_of(const json& value) {
  const std::vector<uint8_t> bytes = json::to_cbor(value);
  return {bytes.begin(), bytes.end()};
}

std::string assertion_box(const Assertion& a) {
  return superbox(kCborContent, a.label, {box("cbor", cbor_of(a.data))});
}

Result<std::string> build_with_pad(const ManifestDefinition& definition,
                                   const SigningIdentity& signer, size_t pad) {
  std::vector<std::string> assertion_boxes;
  json created = json::array();
  for (const auto& a : definition.assertions) {
    const std::string sb = assertion_box(a);
    created.push_back({{"url", "self#jumbf=c2pa.assertions/" + a.label},
                       {"hash", bytes_value(sha256(std::string_view(sb).substr(8)))}});
    assertion_boxes.push_back(sb);
  }
  json claim = {{"instanceID", definition.instance_id},
                {"claim_generator_info", {{"name", "framelock"}, {"version", FL_VERSION_STRING}}},
                {"signature", "self#jumbf=/c2pa/" + definition.manifest_label + "/c2pa.signature"},
                {"created_assertions", created},
                {"alg", "sha256"}};
  if (!definition.title.empty()) claim["dc:title"] = definition.title;
  const std::string claim_cbor = cbor_of(claim);
  FL_ASSIGN_OR_RETURN(std::string signature, cose_sign1(signer, claim_cbor, pad));
  const std::string manifest =
      superbox(kManifest, definition.manifest_label,
               {superbox(kAssertionStore, "c2pa.assertions", assertion_boxes),
                superbox(kClaim, "c2pa.claim.v2", {box("cbor", claim_cbor)}),
                superbox(kSignature, "c2pa.signature", {box("cbor", signature)})});
  std::vector<std::string> manifests = definition.prior_manifests;
  manifests.push_back(manifest);
  return superbox(kManifestStore, "c2pa", manifests);
}

}  // namespace

namespace {

std::string format_uuid(const unsigned char* b) {
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:"
      "02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

}  // namespace

// The hash covers the superbox's payload: its description and content, not its own header.
std::string assertion_hash(const Assertion& assertion) {
  return sha256(std::string_view(assertion_box(assertion)).substr(8));
}

std::string random_uuid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return format_uuid(b);
}

std::string named_uuid(std::string_view name) {
  std::string h = sha256(name);
  auto* b = reinterpret_cast<unsigned char*>(h.data());
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  return format_uuid(b);
}

void settle_ids(ManifestDefinition& d, std::string_view content_hash) {
  const std::string name = "framelock manifest\n" + d.id_seed + "\n" + std::string(content_hash);
  if (d.manifest_label.empty()) d.manifest_label = "urn:c2pa:" + named_uuid(name);
  if (d.instance_id.empty()) d.instance_id = "xmp:iid:" + named_uuid(name + "\ninstance");
}

Result<size_t> manifest_store_size(const ManifestDefinition& definition,
                                   const SigningIdentity& signer) {
  FL_ASSIGN_OR_RETURN(std::string store, build_with_pad(definition, signer, kBasePad));
  return store.size();
}

Result<std::string> build_manifest_store(const ManifestDefinition& definition,
                                         const SigningIdentity& signer, size_t target_size) {
  FL_ASSIGN_OR_RETURN(std::string store, build_with_pad(definition, signer, kBasePad));
  if (target_size == 0 || store.size() == target_size) return store;
  if (store.size() > target_size)
    return internal_error(
        fmt::format("the manifest needs {} bytes, {} were reserved", store.size(), target_size));
  const size_t pad = kBasePad + (target_size - store.size());
  if (pad > 65535) return internal_error("the space reserved for the manifest is far too large");
  FL_ASSIGN_OR_RETURN(store, build_with_pad(definition, signer, pad));
  if (store.size() != target_size)
    return internal_error("the manifest's padding did not come out exact");
  return store;
}

}  // namespace fl::c2pa
