// What scene lock found, and how it leaves framelock: per shot a .cube and an ASC CDL (.cc), a
// .ccc and an EDL with *ASC_SOP / *ASC_SAT for the sequence, and a JSON report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/scene_lock.h"
#include "graph/op.h"

namespace fl::ops {

struct SceneLockState final : graph::OpState {
  colour::Transfer encoding = colour::Transfer::kBt709;
  std::vector<analysis::ShotLock> shots;  // in frame order, covering the clip
  Image reference;                        // linear, small (for reports)

  const analysis::ShotLock* shot_at(int64_t frame) const;
};

// The state as bytes for the persistent analysis store, and back (scene_lock_state.cpp). Bump
// kSceneLockStateVersion whenever the encoding changes.
inline constexpr int kSceneLockStateVersion = 1;
std::string save_scene_lock_state(const SceneLockState& state);
Result<std::shared_ptr<const SceneLockState>> load_scene_lock_state(std::string_view bytes);
size_t scene_lock_state_bytes(const SceneLockState& state);

// The report as JSON (also written by export_scene_lock).
nlohmann::json scene_lock_report(const SceneLockState& state);

// Writes `<prefix>_shotNN.cube`, `<prefix>_shotNN.cc`, `<prefix>.ccc`, `<prefix>.edl` and
// `<prefix>_report.json` into ctx.dir (each through a temp file and a rename).
Status export_scene_lock(const SceneLockState& state, const graph::ExportCtx& ctx,
                         std::vector<std::string>& written);

}  // namespace fl::ops
