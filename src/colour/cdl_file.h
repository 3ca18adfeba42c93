// ASC CDL XML files: .cc (ColorCorrection), .ccc (ColorCorrectionCollection) and .cdl
// (ColorDecisionList), parsed with pugixml.
//
// Tolerant where writers differ in practice: any or no XML namespace (urn:ASC:CDL:v1.01,
// v1.2, prefixed elements), the v1.01 ASC_SOP/ASC_SAT names as well as SOPNode/SatNode, a
// Description on the ColorCorrection or inside its SOPNode. Strict about the numbers: a SOPNode
// must give Slope, Offset and Power with exactly 3 finite numbers each, slope and power must be
// >= 0, and saturation a single finite number >= 0. Errors are corrupt_data
// "<name>:<line>: ColorCorrection '<id>': <element>: <message>".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "colour/cdl.h"
#include "core/output_pipeline.h"
#include "framelock/status.h"

namespace fl::colour {

// Every ColorCorrection in document order (a .cc gives one). A ColorCorrectionRef (a grade
// kept in another file) is reported as unsupported rather than silently dropped.
Result<std::vector<Cdl>> parse_cdl_xml(std::string_view text, std::string_view name_for_errors);
Result<std::vector<Cdl>> read_cdl_file(const std::string& path);

enum class CdlFormat { kCc, kCcc, kCdl };

// Chooses the format from the extension (.cc, .ccc, .cdl; case-insensitive).
Result<CdlFormat> cdl_format_for_path(std::string_view path);
// XML text in the urn:ASC:CDL:v1.01 namespace (the one v1.2 still uses) with values written
// so that they read back bit-identical. invalid_argument for an invalid CDL, or for kCc with
// other than exactly one CDL.
Result<std::string> format_cdl_xml(std::span<const Cdl> cdls, CdlFormat format);
// format_cdl_xml in the format record.path's extension names, written through the pipeline as an
// OutputKind::kLook.
Status write_cdl_file(const OutputPipeline& pipeline, const OutputRecord& record,
                      std::span<const Cdl> cdls);

}  // namespace fl::colour
