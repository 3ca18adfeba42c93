// The scene-lock report people look at: per shot, the reference beside before/after thumbnails of
// the shot's first, middle and last frames, labelled with the colour distance before and after.
#pragma once

#include <string>

#include "render/renderer.h"

namespace fl::looks {

// `node` is a scene_lock node of `plan`; its analysis runs if it has not yet. Writes a PNG/JPEG
// contact sheet at `path` and the JSON report beside it (same name, .json).
Status write_lock_report(render::Renderer& renderer, const graph::Plan& plan, int node,
                         const std::string& path, const OutputPipeline& pipeline);

}  // namespace fl::looks
