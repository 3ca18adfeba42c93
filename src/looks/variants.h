// `framelock variants`: one frame under many looks, as a contact sheet and a .cube per look.
#pragma once

#include <string>
#include <vector>

#include "framelock/status.h"
#include "looks/looks.h"
#include "render/renderer.h"

namespace fl::looks {

struct VariantOptions {
  int64_t frame = 0;
  int max_tile_width = 480;  // tiles come from the preview pyramid level that fits
  int columns = 0;           // 0: about 3:2 overall
  std::string cube_dir;      // empty: no .cube files
  std::string transfer;      // source transfer override
  // What the sheet and the .cube files are written through (nullptr: OutputPipeline::plain()).
  const OutputPipeline* pipeline = nullptr;
};

struct VariantResult {
  std::vector<std::string> cubes;  // one per look, in order (when cube_dir was given)
  int tile_width = 0, tile_height = 0;
  double scale = 1;
};

Result<VariantResult> make_variants(render::Renderer& renderer, const std::string& input,
                                    const std::vector<Look>& looks, const std::string& sheet_path,
                                    const VariantOptions& options);

}  // namespace fl::looks
