// Look development: a catalogue of looks (built-in creative looks, a folder of .cube/.cdl files,
// parameter sweeps), each an ordinary chain of pointwise operators, rendered side by side from
// the preview pyramid as a labelled contact sheet and exported as a .cube a colourist can use.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "colour/cube_file.h"
#include "colour/transfer.h"
#include "framelock/image.h"
#include "framelock/status.h"
#include "graph/op.h"

namespace fl::looks {

struct Look {
  std::string name;      // file-name safe: "teal_orange", "exposure_+0.5"
  std::string label;     // what the contact sheet prints under the picture
  nlohmann::json chain;  // [{"op": "cdl", "params": {...}}, ...], pointwise operators only
};

// The built-in creative looks (16), in a fixed order.
std::vector<Look> builtin_looks();
// Every .cube (lut3d), .cdl/.cc (cdl) in `dir`, sorted by file name. not_found for a missing
// folder; invalid_argument when it holds no look.
Result<std::vector<Look>> looks_from_dir(const std::string& dir);
// "op.param=from:to:count" (e.g. "exposure.stops=-1:1:5", "saturation.saturation=0.5:1.5:3"):
// `count` evenly spaced values. invalid_argument naming what is wrong otherwise.
Result<std::vector<Look>> sweep_looks(const std::string& spec);
// The default set: built-ins, then exposure and saturation sweeps, then white balance: 24.
std::vector<Look> default_looks();

// A look's chain as a 3D LUT over code values encoded with `transfer` (what `lut3d` applies to
// footage with that encoding): decode, apply the operators in linear light, re-encode.
Result<colour::CubeFile> bake_cube(const graph::Op& pointwise_chain, colour::Transfer transfer,
                                   const std::string& title, int size = 33);

// Tiles (encoded code values 0..1, any size each) with labels under them, `columns` wide, as
// PNG or JPEG by extension; written to a temp name and renamed.
Status write_contact_sheet(const OutputPipeline& pipeline, const OutputRecord& record,
                           const std::vector<Image>& tiles, const std::vector<std::string>& labels,
                           int columns);

}  // namespace fl::looks
