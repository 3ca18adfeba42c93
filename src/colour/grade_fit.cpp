#include "colour/grade_fit.h"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <cmath>

#include "colour/delta_e.h"

namespace fl::colour {
namespace {

using Rgb = std::array<double, 3>;

// Per-channel piecewise-linear curves on evenly spaced knots over [0, 1]; beyond the ends they
// continue along the end segments.
struct Curves {
  int knots = 0;
  std::array<std::vector<double>, 3> v;

  static Curves identity(int knots) {
    Curves c;
    c.knots = knots;
    for (auto& ch : c.v) {
      ch.resize(size_t(knots));
      for (int i = 0; i < knots; ++i) ch[size_t(i)] = double(i) / (knots - 1);
    }
    return c;
  }
  double eval(int ch, double x) const {
    const double t = x * (knots - 1);
    const int i = std::clamp(int(std::floor(t)), 0, knots - 2);
    const double f = t - i;
    const auto& c = v[size_t(ch)];
    return c[size_t(i)] + (c[size_t(i) + 1] - c[size_t(i)]) * f;
  }
};

// The low-order part of the model: matrix * curves(rgb) + offset.
struct LowOrder {
  Curves curves;
  Eigen::Matrix3d m = Eigen::Matrix3d::Identity();
  Eigen::Vector3d t = Eigen::Vector3d::Zero();

  Rgb eval(const std::array<float, 3>& s) const {
    Eigen::Vector3d f(curves.eval(0, s[0]), curves.eval(1, s[1]), curves.eval(2, s[2]));
    Eigen::Vector3d o = m * f + t;
    return {o[0], o[1], o[2]};
  }
};

// A size^3 lattice of RGB corrections, trilinearly interpolated over [0, 1]^3 (clamped).
struct Lattice {
  int n = 0;
  std::vector<double> v;  // 3 per node, red fastest

  static void corners(int n, const std::array<float, 3>& s, int idx[8], double w[8]) {
    int i0[3];
    double f[3];
    for (int c = 0; c < 3; ++c) {
      const double t = std::clamp(double(s[size_t(c)]), 0.0, 1.0) * (n - 1);
      i0[c] = std::min(int(t), n - 2);
      f[c] = t - i0[c];
    }
    for (int k = 0; k < 8; ++k) {
      const int dr = k & 1, dg = (k >> 1) & 1, db = (k >> 2) & 1;
      idx[k] = ((i0[2] + db) * n + (i0[1] + dg)) * n + (i0[0] + dr);
      w[k] = (dr ? f[0] : 1 - f[0]) * (dg ? f[1] : 1 - f[1]) * (db ? f[2] : 1 - f[2]);
    }
  }
  Rgb eval(const std::array<float, 3>& s) const {
    Rgb o{0, 0, 0};
    if (n == 0) return o;
    int idx[8];
    double w[8];
    corners(n, s, idx, w);
    for (int k = 0; k < 8; ++k)
      for (int c = 0; c < 3; ++c) o[size_t(c)] += w[k] * v[size_t(idx[k]) * 3 + size_t(c)];
    return o;
  }
};

struct Model {
  LowOrder low;
  Curves post;  // knots == 0: none
  Lattice lattice;
  // Without the lattice: what the lattice corrects.
  Rgb primary(const std::array<float, 3>& s) const {
    Rgb a = low.eval(s);
    if (post.knots > 0)
      for (int c = 0; c < 3; ++c) a[size_t(c)] = post.eval(c, a[size_t(c)]);
    return a;
  }
  Rgb eval(const std::array<float, 3>& s) const {
    Rgb a = primary(s), b = lattice.eval(s);
    return {a[0] + b[0], a[1] + b[1], a[2] + b[2]};
  }
};

// x with curve(x) = y for a curve made monotone (its running maximum), sampled finely over a
// range wider than [0, 1] so that targets past the ends invert along the end segments.
class InverseCurve {
 public:
  InverseCurve(const Curves& c, int ch) {
    for (int i = 0; i < kSamples; ++i) {
      const double x = kLo + (kHi - kLo) * i / (kSamples - 1);
      const double y = c.eval(ch, x);
      xs_[size_t(i)] = x;
      ys_[size_t(i)] = i == 0 ? y : std::max(y, ys_[size_t(i) - 1]);
    }
  }
  double operator()(double y) const {
    auto it = std::lower_bound(ys_.begin(), ys_.end(), y);
    if (it == ys_.begin()) return xs_.front();
    if (it == ys_.end()) return xs_.back();
    const size_t i = size_t(it - ys_.begin());
    const double y0 = ys_[i - 1], y1 = ys_[i];
    const double f = y1 > y0 ? (y - y0) / (y1 - y0) : 0.5;
    return xs_[i - 1] + f * (xs_[i] - xs_[i - 1]);
  }

 private:
  static constexpr int kSamples = 1024;
  static constexpr double kLo = -0.25, kHi = 1.25;
  std::array<double, kSamples> xs_{}, ys_{};
};

// Regularised 1D fit: knot values minimising sum w (curve(x) - y)^2 + lambda * curvature^2.
std::vector<double> fit_curve(const std::vector<double>& x, const std::vector<double>& y,
                              const std::vector<double>& w, int knots, double lambda) {
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(knots, knots);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(knots);
  for (size_t k = 0; k < x.size(); ++k) {
    const double t = x[k] * (knots - 1);
    const int i = std::clamp(int(std::floor(t)), 0, knots - 2);
    const double f = std::clamp(t - i, 0.0, 1.0), h[2] = {1 - f, f};
    for (int p = 0; p < 2; ++p) {
      b[i + p] += w[k] * h[p] * y[k];
      for (int q = 0; q < 2; ++q) a(i + p, i + q) += w[k] * h[p] * h[q];
    }
  }
  const double s = lambda * std::pow(knots - 1, 4);  // second differences as derivatives
  for (int i = 1; i + 1 < knots; ++i) {
    const int id[3] = {i - 1, i, i + 1};
    const double d[3] = {1, -2, 1};
    for (int p = 0; p < 3; ++p)
      for (int q = 0; q < 3; ++q) a(id[p], id[q]) += s * d[p] * d[q];
  }
  a.diagonal().array() += 1e-9;
  Eigen::VectorXd sol = a.ldlt().solve(b);
  return {sol.data(), sol.data() + knots};
}

// `fit_curves` false: the matrix and offset alone (the curves stay straight).
void fit_low_order(const std::vector<ColourSample>& smp, const std::vector<double>& w,
                   const GradeFitOptions& opt, LowOrder& low, bool fit_curves = true) {
  low.curves = Curves::identity(opt.curve_knots);
  low.m.setIdentity();
  low.t.setZero();
  const size_t n = smp.size();
  std::vector<double> x(n), y(n);
  for (int round = 0; round < (fit_curves ? 4 : 1); ++round) {
    // Curves, given the matrix: each channel's curve aims at M^-1 (dst - t).
    const Eigen::Matrix3d inv = low.m.inverse();
    for (int c = 0; c < 3 && fit_curves; ++c) {
      for (size_t k = 0; k < n; ++k) {
        Eigen::Vector3d d(smp[k].dst[0], smp[k].dst[1], smp[k].dst[2]);
        x[k] = smp[k].src[size_t(c)];
        y[k] = (inv * (d - low.t))[c];
      }
      low.curves.v[size_t(c)] = fit_curve(x, y, w, opt.curve_knots, opt.curve_smoothness);
    }
    // Matrix and offset, given the curves (weighted least squares, a touch of ridge towards I).
    Eigen::Matrix4d ata = Eigen::Matrix4d::Zero();
    Eigen::Matrix<double, 4, 3> atb = Eigen::Matrix<double, 4, 3>::Zero();
    for (size_t k = 0; k < n; ++k) {
      Eigen::Vector4d f(low.curves.eval(0, smp[k].src[0]), low.curves.eval(1, smp[k].src[1]),
                        low.curves.eval(2, smp[k].src[2]), 1.0);
      ata += w[k] * f * f.transpose();
      for (int c = 0; c < 3; ++c) atb.col(c) += w[k] * f * smp[k].dst[size_t(c)];
    }
    const double ridge = 1e-6;
    Eigen::Matrix<double, 4, 3> prior = Eigen::Matrix<double, 4, 3>::Zero();
    prior.topRows<3>().setIdentity();
    ata.topLeftCorner<3, 3>().diagonal().array() += ridge;
    atb.topRows<3>() += ridge * prior.topRows<3>();
    Eigen::Matrix<double, 4, 3> sol = ata.ldlt().solve(atb);
    low.m = sol.topRows<3>().transpose();
    low.t = sol.row(3).transpose();
  }
}

// Input curves and matrix, then output curves, by alternation: the low-order part aims at the
// output curves' inverse of the targets, the output curves map its result to the targets. The
// split between input and output curves is loose and alternation walks along it slowly, so it
// starts twice, from straight output curves and from straight input curves, and keeps the better.
void fit_primary(const std::vector<ColourSample>& smp, const std::vector<double>& w,
                 const GradeFitOptions& opt, Model& model) {
  if (opt.output_curve_knots < 2) {
    model.post = {};
    fit_low_order(smp, w, opt, model.low);
    return;
  }
  std::vector<ColourSample> inner = smp;
  std::vector<double> x(smp.size()), y(smp.size());
  auto alternate = [&](bool output_first) {
    Model m;
    m.post = Curves::identity(opt.output_curve_knots);
    for (int round = 0; round < 6; ++round) {
      const InverseCurve inv[3] = {{m.post, 0}, {m.post, 1}, {m.post, 2}};
      for (size_t k = 0; k < smp.size(); ++k)
        for (int c = 0; c < 3; ++c) inner[k].dst[size_t(c)] = float(inv[c](smp[k].dst[size_t(c)]));
      fit_low_order(inner, w, opt, m.low, !(output_first && round == 0));
      for (int c = 0; c < 3; ++c) {
        for (size_t k = 0; k < smp.size(); ++k) {
          x[k] = m.low.eval(smp[k].src)[size_t(c)];
          y[k] = smp[k].dst[size_t(c)];
        }
        m.post.v[size_t(c)] =
            fit_curve(x, y, w, opt.output_curve_knots, opt.output_curve_smoothness);
      }
    }
    double sse = 0;
    for (size_t k = 0; k < smp.size(); ++k) {
      const Rgb o = m.primary(smp[k].src);
      for (int c = 0; c < 3; ++c) sse += w[k] * std::pow(o[size_t(c)] - smp[k].dst[size_t(c)], 2);
    }
    return std::pair{sse, m};
  };
  auto a = alternate(false), b = alternate(true);
  const Model& best = a.first <= b.first ? a.second : b.second;
  model.low = best.low;
  model.post = best.post;
}

void fit_lattice(const std::vector<ColourSample>& smp, const std::vector<double>& w,
                 const GradeFitOptions& opt, const Model& model, Lattice& lat) {
  const int n = opt.lattice_size;
  const int nodes = n * n * n;
  std::vector<Eigen::Triplet<double>> trip;
  trip.reserve(smp.size() * 64 + size_t(nodes) * 27);
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(nodes, 3);
  for (size_t k = 0; k < smp.size(); ++k) {
    int idx[8];
    double cw[8];
    Lattice::corners(n, smp[k].src, idx, cw);
    const Rgb base = model.primary(smp[k].src);
    for (int p = 0; p < 8; ++p) {
      for (int c = 0; c < 3; ++c)
        rhs(idx[p], c) += w[k] * cw[p] * (smp[k].dst[size_t(c)] - base[size_t(c)]);
      for (int q = 0; q < 8; ++q) trip.emplace_back(idx[p], idx[q], w[k] * cw[p] * cw[q]);
    }
  }
  const double s = opt.lattice_smoothness * std::pow(n - 1, 4) / double(3 * nodes);
  auto node = [n](int r, int g, int b) { return (b * n + g) * n + r; };
  // Small next to a node's share of the data (1 / nodes), large enough that nodes without data
  // do not leave the solve ill-conditioned (conjugate gradients then converge in tens of steps).
  const double ridge = 0.02 / nodes;
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r) {
        const int here[3] = {r, g, b};
        for (int axis = 0; axis < 3; ++axis) {
          if (here[axis] == 0 || here[axis] == n - 1) continue;
          int lo[3] = {r, g, b}, hi[3] = {r, g, b};
          lo[axis] -= 1;
          hi[axis] += 1;
          const int id[3] = {node(lo[0], lo[1], lo[2]), node(r, g, b), node(hi[0], hi[1], hi[2])};
          const double d[3] = {1, -2, 1};
          for (int p = 0; p < 3; ++p)
            for (int q = 0; q < 3; ++q) trip.emplace_back(id[p], id[q], s * d[p] * d[q]);
        }
        trip.emplace_back(node(r, g, b), node(r, g, b), ridge);  // no data: no correction
      }
  Eigen::SparseMatrix<double> a(nodes, nodes);
  a.setFromTriplets(trip.begin(), trip.end());
  // Conjugate gradients from the previous round's solution: the system is sparse (27 neighbours)
  // and well conditioned, and a direct factorisation of a 3D lattice fills in badly.
  // A direct sparse factorisation: the curvature penalty makes the system too stiff for
  // conjugate gradients with a diagonal preconditioner, and at 13^3 nodes the fill-in is cheap.
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(a);
  if (solver.info() != Eigen::Success) return;
  Eigen::MatrixXd sol = solver.solve(rhs);
  lat.n = n;
  lat.v.resize(size_t(nodes) * 3);
  for (int i = 0; i < nodes; ++i)
    for (int c = 0; c < 3; ++c) lat.v[size_t(i) * 3 + size_t(c)] = sol(i, c);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

Lab lab_of_code(const TransferCurve& curve, const std::array<float, 3>& c) {
  auto lin = [&](float v) { return double(curve.to_linear(std::clamp(v, 0.f, 1.f))); };
  return lab_from_linear_rec709(lin(c[0]), lin(c[1]), lin(c[2]));
}

std::array<float, 3> apply_cdl_to(const Cdl& cdl, const std::array<float, 3>& s) {
  float px[4] = {s[0], s[1], s[2], 1};
  apply_cdl(cdl, px, 1);
  return {px[0], px[1], px[2]};
}

std::array<float, 3> apply_lut_to(const Lut3D& lut, const std::array<float, 3>& s) {
  float px[4] = {s[0], s[1], s[2], 1};
  apply_lut3d(lut, Interp::kTetrahedral, px, 1);
  return {px[0], px[1], px[2]};
}

}  // namespace

SampleBins::SampleBins(int bins_per_channel)
    : n_(std::clamp(bins_per_channel, 2, 64)), acc_(size_t(n_) * n_ * n_ * 7, 0.0) {}

void SampleBins::add(const float* src, const float* dst, float weight) {
  if (!(weight > 0)) return;
  int bin = 0;
  for (int c = 2; c >= 0; --c) {
    const float v = src[c];
    if (!std::isfinite(v) || !std::isfinite(dst[c])) return;
    bin = bin * n_ + std::clamp(int(v * float(n_)), 0, n_ - 1);
  }
  double* a = &acc_[size_t(bin) * 7];
  a[0] += weight;
  for (int c = 0; c < 3; ++c) {
    a[1 + c] += double(weight) * src[c];
    a[4 + c] += double(weight) * dst[c];
  }
  total_ += weight;
}

std::vector<ColourSample> SampleBins::samples(float min_weight) const {
  std::vector<ColourSample> out;
  for (size_t b = 0; b < acc_.size() / 7; ++b) {
    const double* a = &acc_[b * 7];
    if (a[0] <= 0 || a[0] < min_weight) continue;
    ColourSample s;
    for (int c = 0; c < 3; ++c) {
      s.src[size_t(c)] = float(a[1 + c] / a[0]);
      s.dst[size_t(c)] = float(a[4 + c] / a[0]);
    }
    s.weight = float(a[0]);
    out.push_back(s);
  }
  return out;
}

double mean_delta_e_code_values(const std::vector<std::array<float, 3>>& a,
                                const std::vector<std::array<float, 3>>& b,
                                const std::vector<float>& weights, Transfer encoding) {
  const TransferCurve& curve = TransferCurve::get(encoding);
  double sum = 0, wsum = 0;
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
    const double w = k < weights.size() ? weights[k] : 1.0;
    sum += w * ciede2000(lab_of_code(curve, a[k]), lab_of_code(curve, b[k]));
    wsum += w;
  }
  return wsum > 0 ? sum / wsum : 0;
}

Cdl fit_cdl(const Lut3D& lut, const std::vector<ColourSample>& samples, Transfer encoding,
            double* mean_delta_e) {
  std::vector<std::array<float, 3>> src, target;
  std::vector<float> weights;
  if (samples.empty()) {
    const int n = 9;
    for (int b = 0; b < n; ++b)
      for (int g = 0; g < n; ++g)
        for (int r = 0; r < n; ++r) {
          src.push_back({float(r) / (n - 1), float(g) / (n - 1), float(b) / (n - 1)});
          weights.push_back(1);
        }
  } else {
    for (const auto& s : samples) {
      src.push_back(s.src);
      weights.push_back(s.weight);
    }
  }
  for (const auto& s : src) target.push_back(apply_lut_to(lut, s));

  // Parameters: slope x3, offset x3, power x3, saturation. Residuals in code values.
  using Vec = Eigen::Matrix<double, 10, 1>;
  auto to_cdl = [](const Vec& p) {
    Cdl c;
    for (int i = 0; i < 3; ++i) {
      c.slope[size_t(i)] = std::max(1e-4, p[i]);
      c.offset[size_t(i)] = p[3 + i];
      c.power[size_t(i)] = std::clamp(p[6 + i], 0.05, 20.0);
    }
    c.saturation = std::max(0.0, p[9]);
    return c;
  };
  const size_t m = src.size();
  auto residuals = [&](const Vec& p, Eigen::VectorXd& r) {
    const Cdl c = to_cdl(p);
    r.resize(Eigen::Index(m * 3));
    for (size_t k = 0; k < m; ++k) {
      auto o = apply_cdl_to(c, src[k]);
      const double sw = std::sqrt(double(weights[k]));
      for (int ch = 0; ch < 3; ++ch)
        r[Eigen::Index(k * 3) + ch] = sw * (double(o[size_t(ch)]) - target[k][size_t(ch)]);
    }
  };
  Vec p;
  p << 1, 1, 1, 0, 0, 0, 1, 1, 1, 1;
  Eigen::VectorXd r, r2;
  residuals(p, r);
  double cost = r.squaredNorm(), lambda = 1e-3;
  Eigen::MatrixXd jac(Eigen::Index(m * 3), 10);
  for (int iter = 0; iter < 60; ++iter) {
    for (int j = 0; j < 10; ++j) {
      Vec q = p;
      const double h = 1e-5 * std::max(1.0, std::abs(p[j]));
      q[j] += h;
      residuals(q, r2);
      jac.col(j) = (r2 - r) / h;
    }
    const Eigen::Matrix<double, 10, 10> jtj = jac.transpose() * jac;
    const Vec g = jac.transpose() * r;
    bool improved = false;
    for (int tries = 0; tries < 8 && !improved; ++tries) {
      Eigen::Matrix<double, 10, 10> a = jtj;
      a.diagonal() += lambda * jtj.diagonal().cwiseMax(1e-9);
      const Vec step = a.ldlt().solve(-g);
      const Vec q = p + step;
      residuals(q, r2);
      const double c2 = r2.squaredNorm();
      if (c2 < cost) {
        p = q;
        r = r2;
        improved = true;
        const bool converged = cost - c2 < 1e-10 * cost;
        cost = c2;
        lambda = std::max(1e-7, lambda * 0.3);
        if (converged) iter = 1000;
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  Cdl cdl = to_cdl(p);
  if (mean_delta_e) {
    std::vector<std::array<float, 3>> via_cdl;
    for (const auto& s : src) via_cdl.push_back(apply_cdl_to(cdl, s));
    *mean_delta_e = mean_delta_e_code_values(via_cdl, target, weights, encoding);
  }
  return cdl;
}

Result<GradeFit> fit_grade(const std::vector<ColourSample>& pairs, const GradeFitOptions& opt) {
  if (opt.lut_size < 2 || opt.lut_size > 129 || opt.lattice_size < 2 || opt.lattice_size > 33 ||
      opt.curve_knots < 2)
    return invalid_argument("grade fit: LUT, lattice or curve size out of range");
  std::vector<float> pixel_w(pairs.size());
  for (size_t k = 0; k < pairs.size(); ++k) pixel_w[k] = pairs[k].weight;

  Model model;
  std::vector<ColourSample> smp;
  for (int round = 0; round <= opt.robust_iterations; ++round) {
    // Robustness lives at the pixel level: a bin's mean would blend a moved subject's pixels
    // with the good ones, so outliers are down-weighted before they are binned.
    SampleBins bins(opt.bins_per_channel);
    for (size_t k = 0; k < pairs.size(); ++k)
      bins.add(pairs[k].src.data(), pairs[k].dst.data(), pixel_w[k]);
    smp = bins.samples();
    if (smp.size() < 8)
      return invalid_argument("too few colour correspondences to fit a grade (" +
                              std::to_string(smp.size()) + " colour bins; need at least 8)");
    double wsum = 0;
    for (const auto& s : smp) wsum += s.weight;
    std::vector<double> w(smp.size());
    for (size_t k = 0; k < smp.size(); ++k) w[k] = smp[k].weight / wsum;
    fit_primary(smp, w, opt, model);
    if (opt.lattice) fit_lattice(smp, w, opt, model, model.lattice);
    if (round == opt.robust_iterations) break;
    // Huber weights on each pixel's residual, scaled by the residuals' robust spread.
    std::vector<double> res(pairs.size());
    for (size_t k = 0; k < pairs.size(); ++k) {
      const Rgb o = model.eval(pairs[k].src);
      const auto& d = pairs[k].dst;
      res[k] = std::sqrt((o[0] - d[0]) * (o[0] - d[0]) + (o[1] - d[1]) * (o[1] - d[1]) +
                         (o[2] - d[2]) * (o[2] - d[2]));
    }
    const double sigma = std::max(1.4826 * median_of(res), 1.0 / 1023.0);
    for (size_t k = 0; k < pairs.size(); ++k) {
      const double r = res[k] / (opt.robust_scale * sigma);
      pixel_w[k] = pairs[k].weight * float(r <= 1 ? 1.0 : 1.0 / (r * r));
    }
  }

  GradeFit fit;
  fit.samples = smp.size();
  const int n = opt.lut_size;
  fit.lut.size = n;
  fit.lut.rgb.resize(size_t(n) * n * n * 3);
  for (int b = 0; b < n; ++b)
    for (int g = 0; g < n; ++g)
      for (int r = 0; r < n; ++r) {
        const std::array<float, 3> s{float(r) / (n - 1), float(g) / (n - 1), float(b) / (n - 1)};
        const Rgb o = model.eval(s);
        float* d = &fit.lut.rgb[3 * ((size_t(b) * n + g) * n + r)];
        for (int c = 0; c < 3; ++c) d[c] = float(o[size_t(c)]);
      }
  FL_RETURN_IF_ERROR(validate_lut(fit.lut));

  std::vector<std::array<float, 3>> pred, dst;
  std::vector<float> weights;
  for (const auto& s : smp) {
    pred.push_back(apply_lut_to(fit.lut, s.src));
    dst.push_back(s.dst);
    weights.push_back(s.weight);
  }
  fit.fit_delta_e = mean_delta_e_code_values(pred, dst, weights, opt.encoding);
  if (opt.cdl) fit.cdl = fit_cdl(fit.lut, smp, opt.encoding, &fit.cdl_delta_e);
  return fit;
}

}  // namespace fl::colour
