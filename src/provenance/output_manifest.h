// Content Credentials on every rendered file (docs/provenance.md): a finisher of the one output
// pipeline that signs a C2PA manifest into the file once it is in place. The manifest says which
// tool made it (framelock and its version), what was done (one action per operator, with IPTC's
// compositeWithTrainedAlgorithmicMedia where a generative operator changed pixels), from what
// (each source as an ingredient with its content identity, carrying its own manifest when it had
// one), the watermark it carries (a soft binding), and the plan's content key, so the render can
// be reproduced.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/output_pipeline.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/signing.h"

namespace fl::provenance {

struct EditStep {
  std::string node;
  std::string op;
  bool generative = false;  // one of security::ai_operators()
};

struct ManifestContext {
  std::vector<EditStep> steps;  // in the plan's order
  std::string graph_key;        // the graph's content key (hex; service::graph_content_key)
  std::optional<int64_t> watermark_record;
  std::string watermark_key;  // the watermark key's fingerprint
};

// The C2PA action name for an operator ("c2pa.color_adjustments", "c2pa.cropped", ...).
std::string_view c2pa_action_for(std::string_view op);

// What the finisher signs for `record` (its hard binding is the container's to add).
Result<c2pa::ManifestDefinition> manifest_definition(const OutputRecord& record,
                                                     const ManifestContext& context);

class ManifestFinisher final : public Finisher {
 public:
  ManifestFinisher(std::shared_ptr<const c2pa::SigningIdentity> signer, ManifestContext context)
      : signer_(std::move(signer)), context_(std::move(context)) {}
  std::string_view name() const override { return "c2pa"; }
  // Renders and contact sheets: PNG, JPEG and MP4/MOV get the store embedded; other formats a
  // sidecar `<file>.c2pa`. Reports, looks and timelines are not media and are left as they are.
  Status finish(const OutputRecord& record) const override;

 private:
  std::shared_ptr<const c2pa::SigningIdentity> signer_;
  ManifestContext context_;
};

// Where the installation's own signer lives when the studio gives none: `data_dir`/c2pa-signer
// when there is a data directory, else $FRAMELOCK_HOME/c2pa-signer, else
// ~/.local/share/framelock/c2pa-signer.
std::string installation_signer_dir(const std::string& data_dir);

// The signer for a command or a server: the studio's (`key_pem` and `chain_pem` both given), or
// the installation's own. One without the other is refused.
Result<std::shared_ptr<const c2pa::SigningIdentity>> open_signer(const std::string& key_pem,
                                                                 const std::string& chain_pem,
                                                                 const std::string& data_dir);

}  // namespace fl::provenance
