// Scene lock's analysis as bytes for the persistent store (render/analysis_store.h): the shots,
// each one's fitted grade and figures, and the small reference for reports.
#include <cmath>

#include "core/serial.h"
#include "ops/scene_lock/scene_lock_export.h"

namespace fl::ops {
namespace {

void write_lut(serial::Writer& w, const colour::Lut3D& lut) {
  w.i64(lut.size).floats(lut.rgb);
  for (int c = 0; c < 3; ++c) w.f64(lut.domain_min[size_t(c)]).f64(lut.domain_max[size_t(c)]);
}

Result<colour::Lut3D> read_lut(serial::Reader& r) {
  colour::Lut3D lut;
  FL_ASSIGN_OR_RETURN(int64_t size, r.i64());
  if (size < colour::kMinLutSize || size > colour::kMax3DLutSize)
    return corrupt_data("scene_lock state: LUT size " + std::to_string(size));
  lut.size = int(size);
  FL_ASSIGN_OR_RETURN(lut.rgb, r.floats());
  for (int c = 0; c < 3; ++c) {
    FL_ASSIGN_OR_RETURN(double lo, r.f64());
    FL_ASSIGN_OR_RETURN(double hi, r.f64());
    lut.domain_min[size_t(c)] = float(lo);
    lut.domain_max[size_t(c)] = float(hi);
  }
  FL_RETURN_IF_ERROR(colour::validate_lut(lut).with_context("scene_lock state: "));
  return lut;
}

void write_cdl(serial::Writer& w, const colour::Cdl& cdl) {
  for (int c = 0; c < 3; ++c)
    w.f64(cdl.slope[size_t(c)]).f64(cdl.offset[size_t(c)]).f64(cdl.power[size_t(c)]);
  w.f64(cdl.saturation).str(cdl.id).str(cdl.description);
}

Result<colour::Cdl> read_cdl(serial::Reader& r) {
  colour::Cdl cdl;
  for (int c = 0; c < 3; ++c) {
    FL_ASSIGN_OR_RETURN(cdl.slope[size_t(c)], r.f64());
    FL_ASSIGN_OR_RETURN(cdl.offset[size_t(c)], r.f64());
    FL_ASSIGN_OR_RETURN(cdl.power[size_t(c)], r.f64());
  }
  FL_ASSIGN_OR_RETURN(cdl.saturation, r.f64());
  FL_ASSIGN_OR_RETURN(cdl.id, r.str());
  FL_ASSIGN_OR_RETURN(cdl.description, r.str());
  return cdl;
}

}  // namespace

std::string save_scene_lock_state(const SceneLockState& state) {
  serial::Writer w;
  w.i64(int64_t(state.encoding)).image(state.reference).i64(int64_t(state.shots.size()));
  for (const auto& s : state.shots) {
    w.i64(s.first).i64(s.last).i64(int64_t(s.match)).i64(s.matched_frame);
    w.i64(s.reference_index).f64(s.structure).i64(s.inliers);
    write_lut(w, s.fit.lut);
    write_cdl(w, s.fit.cdl);
    w.f64(s.fit.fit_delta_e).f64(s.fit.cdl_delta_e).i64(int64_t(s.fit.samples));
    w.f64(s.delta_e_before).f64(s.delta_e_after);
  }
  return w.take();
}

Result<std::shared_ptr<const SceneLockState>> load_scene_lock_state(std::string_view bytes) {
  serial::Reader r(bytes);
  auto state = std::make_shared<SceneLockState>();
  FL_ASSIGN_OR_RETURN(int64_t encoding, r.i64());
  if (encoding < int64_t(colour::Transfer::kLinear) ||
      encoding > int64_t(colour::Transfer::kGamma28))
    return corrupt_data("scene_lock state: unknown encoding " + std::to_string(encoding));
  state->encoding = colour::Transfer(encoding);
  FL_ASSIGN_OR_RETURN(state->reference, r.image());
  FL_ASSIGN_OR_RETURN(int64_t shots, r.count(64));
  int64_t next_first = 0;
  for (int64_t i = 0; i < shots; ++i) {
    analysis::ShotLock s;
    FL_ASSIGN_OR_RETURN(s.first, r.i64());
    FL_ASSIGN_OR_RETURN(s.last, r.i64());
    if (s.first != next_first || s.last < s.first)
      return corrupt_data("scene_lock state: shot " + std::to_string(i) + " does not follow on");
    next_first = s.last + 1;
    FL_ASSIGN_OR_RETURN(int64_t match, r.i64());
    if (match < 0 || match > int64_t(analysis::LockMatch::kStatistics))
      return corrupt_data("scene_lock state: unknown match kind " + std::to_string(match));
    s.match = analysis::LockMatch(match);
    FL_ASSIGN_OR_RETURN(s.matched_frame, r.i64());
    FL_ASSIGN_OR_RETURN(int64_t reference_index, r.i64());
    s.reference_index = int(reference_index);
    FL_ASSIGN_OR_RETURN(s.structure, r.f64());
    FL_ASSIGN_OR_RETURN(int64_t inliers, r.i64());
    s.inliers = int(inliers);
    FL_ASSIGN_OR_RETURN(s.fit.lut, read_lut(r));
    FL_ASSIGN_OR_RETURN(s.fit.cdl, read_cdl(r));
    FL_ASSIGN_OR_RETURN(s.fit.fit_delta_e, r.f64());
    FL_ASSIGN_OR_RETURN(s.fit.cdl_delta_e, r.f64());
    FL_ASSIGN_OR_RETURN(int64_t samples, r.i64());
    s.fit.samples = size_t(std::max<int64_t>(0, samples));
    FL_ASSIGN_OR_RETURN(s.delta_e_before, r.f64());
    FL_ASSIGN_OR_RETURN(s.delta_e_after, r.f64());
    state->shots.push_back(std::move(s));
  }
  if (state->shots.empty()) return corrupt_data("scene_lock state: no shots");
  if (!r.at_end()) return corrupt_data("scene_lock state: bytes after the last shot");
  return std::shared_ptr<const SceneLockState>(std::move(state));
}

size_t scene_lock_state_bytes(const SceneLockState& state) {
  size_t bytes = state.reference.float_count() * sizeof(float);
  for (const auto& s : state.shots) bytes += s.fit.lut.rgb.size() * sizeof(float) + 256;
  return bytes;
}

}  // namespace fl::ops
