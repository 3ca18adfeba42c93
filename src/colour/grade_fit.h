// Fitting a grade from colour correspondences: "these pixels were this colour, make them that
// colour". The machinery behind scene lock and `framelock look fit`.
//
// The model is what a colourist would build by hand, in that order: per-channel curves, a 3x3
// matrix (white balance, saturation, channel mixing), optionally per-channel curves again, then a
// smooth 3D correction for what those cannot say (a luma-only gamma, hue-selective moves). Each
// stage is a regularised least-squares fit (curves and the 3D correction penalise curvature, so
// where the samples say nothing the fit extends the curves smoothly instead of inventing colour),
// repeated with robust weights so pixels that do not really correspond (a subject that moved, a
// specular highlight) stop pulling on it. The result is baked into an ordinary 3D LUT, and the
// nearest ASC CDL is fitted to that LUT so a colourist can keep grading downstream; how far the CDL
// is from the LUT is reported in ΔE2000.
//
// All values are code values (0..1) in one encoding (Rec.709/sRGB-like), where colour
// differences are closer to perceptual than in linear light.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "colour/cdl.h"
#include "colour/lut.h"
#include "colour/transfer.h"
#include "framelock/status.h"

namespace fl::colour {

struct ColourSample {
  std::array<float, 3> src{}, dst{};
  float weight = 1;
};

// Accumulates pixel pairs into bins of source colour (bins_per_channel^3), keeping each bin's mean
// source and mean target colour and its weight, so that a big flat wall does not outvote a small
// face and the solve stays small however many pixels go in.
class SampleBins {
 public:
  explicit SampleBins(int bins_per_channel = 32);
  void add(const float* src_rgb, const float* dst_rgb, float weight = 1);
  // Bins with at least `min_weight`; weight = the bin's total weight.
  std::vector<ColourSample> samples(float min_weight = 0) const;
  double total_weight() const { return total_; }

 private:
  int n_;
  std::vector<double> acc_;  // per bin: weight, src rgb, dst rgb (7 doubles)
  double total_ = 0;
};

struct GradeFitOptions {
  int lut_size = 33;      // the baked LUT
  int lattice_size = 13;  // the 3D correction's own lattice
  int curve_knots = 33;   // per-channel curves
  // Per-channel curves after the matrix too (0: none). A grade made of curves and then a channel
  // mix is undone by un-mixing first and then un-curving, which curves-then-matrix cannot say.
  int output_curve_knots = 0;
  double output_curve_smoothness = 1e-4;
  double curve_smoothness = 1e-4;
  double lattice_smoothness = 1e-3;      // raise it when correspondences are few or noisy
  int bins_per_channel = 32;             // pixel pairs are averaged per bin of source colour
  int robust_iterations = 3;             // 0: plain least squares
  double robust_scale = 2.5;             // residuals beyond this many sigmas lose weight
  bool lattice = true;                   // false: curves + matrix only (a "low-order" grade)
  bool cdl = true;                       // false: no CDL (a preview's stand-in exports nothing)
  Transfer encoding = Transfer::kBt709;  // for the ΔE figures (code values -> linear light)
};

struct GradeFit {
  Lut3D lut;  // code values -> code values
  Cdl cdl;    // the nearest ASC CDL to `lut`
  // Over the samples (by weight): mean ΔE2000 of the fit against the targets, and of the CDL
  // against the LUT.
  double fit_delta_e = 0;
  double cdl_delta_e = 0;
  size_t samples = 0;
};

// Fits pixel pairs (any number: they are binned by source colour). invalid_argument when there
// are too few to say anything (fewer than 8 bins of source colour).
Result<GradeFit> fit_grade(const std::vector<ColourSample>& pairs,
                           const GradeFitOptions& options = {});

// The nearest CDL (slope, offset, power, saturation) to `lut` over `samples`' source colours
// (all of the LUT's domain when empty), by Levenberg-Marquardt; also its mean ΔE2000.
Cdl fit_cdl(const Lut3D& lut, const std::vector<ColourSample>& samples, Transfer encoding,
            double* mean_delta_e = nullptr);

// Mean ΔE2000 between two colour maps of code values over `samples`' sources, by weight.
double mean_delta_e_code_values(const std::vector<std::array<float, 3>>& a,
                                const std::vector<std::array<float, 3>>& b,
                                const std::vector<float>& weights, Transfer encoding);

}  // namespace fl::colour
