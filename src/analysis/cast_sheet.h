// The cast sheet (`framelock characters --sheet cast.png`): a row per character, its best face
// and a picture of every shot it is in, its box drawn, for a person to check the cast at a glance.
#pragma once

#include "analysis/characters.h"
#include "core/output_pipeline.h"
#include "framelock/status.h"
#include "io/frame_source.h"

namespace fl::analysis {

// .png or .jpg, in a directory that can be written: checked before a long analysis.
Status check_cast_sheet_path(const std::string& path);

// Reads the frames it shows from `source` (the clip the cast was made from). .png or .jpg.
Status write_cast_sheet(io::FrameSource& source, const Cast& cast, const OutputPipeline& pipeline,
                        const OutputRecord& record);

}  // namespace fl::analysis
