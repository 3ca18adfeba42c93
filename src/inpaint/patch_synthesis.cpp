#include "inpaint/patch_synthesis.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "inpaint/seam.h"

namespace fl::inpaint {
namespace {

// A portable generator: the same seed gives the same fill on every standard library.
class Rng {
 public:
  explicit Rng(uint32_t seed) : s_(seed ? seed : 1) {}
  uint32_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return s_;
  }
  int in(int lo, int hi) { return lo + int(next() % uint32_t(hi - lo + 1)); }  // [lo, hi]

 private:
  uint32_t s_;
};

struct Level {
  cv::Mat3f img;
  cv::Mat1b hole, source;
};

// Half size: known pixels average, a cell is hole if any of it is and source only if all is.
Level downsample(const Level& f) {
  const int w = (f.img.cols + 1) / 2, h = (f.img.rows + 1) / 2;
  Level c{cv::Mat3f(h, w), cv::Mat1b(h, w), cv::Mat1b(h, w)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      cv::Vec3f sum(0, 0, 0);
      int n = 0;
      bool hole = false, source = true;
      for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) {
          const int fy = std::min(2 * y + dy, f.img.rows - 1);
          const int fx = std::min(2 * x + dx, f.img.cols - 1);
          hole |= f.hole(fy, fx) != 0;
          source &= f.source(fy, fx) != 0;
          if (!f.hole(fy, fx)) sum += f.img(fy, fx), ++n;
        }
      c.img(y, x) = n ? sum / float(n) : cv::Vec3f(0, 0, 0);
      c.hole(y, x) = hole ? 255 : 0;
      c.source(y, x) = source && !hole ? 255 : 0;
    }
  return c;
}

cv::Mat1b square(int side) { return cv::getStructuringElement(cv::MORPH_RECT, {side, side}); }

// Centres whose whole patch lies inside the image and in the source.
cv::Mat1b valid_centres(const cv::Mat1b& source, int patch) {
  cv::Mat1b ok;
  cv::erode(source, ok, square(patch), {-1, -1}, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  return ok;
}

// Thickness of the hole: the largest distance from a hole pixel to the nearest non-hole one.
float hole_radius(const cv::Mat1b& hole) {
  cv::Mat1f inner;
  cv::distanceTransform(hole, inner, cv::DIST_L2, 3);
  double largest = 0;
  cv::minMaxLoc(inner, nullptr, &largest);
  return float(largest);
}

class Solver {
 public:
  Solver(Level& level, int patch, Rng& rng) : l_(level), r_(patch / 2), rng_(rng) {
    usable_ = l_.hole | l_.source;
    ok_ = valid_centres(l_.source, patch);
    cv::findNonZero(ok_, centres_);
    cv::Mat1b targets;
    cv::dilate(l_.hole, targets, square(patch));
    cv::findNonZero(targets, targets_);
    nnf_.assign(targets_.size(), cv::Point(0, 0));
    cost_.assign(targets_.size(), 0.0f);
    index_ = cv::Mat1i(l_.img.size(), -1);
    for (size_t i = 0; i < targets_.size(); ++i) index_(targets_[i]) = int(i);
  }

  bool usable() const { return !centres_.empty(); }

  void random_init() {
    for (auto& q : nnf_) q = random_centre();
  }

  // Each target's match from the coarser level's, doubled; random where that does not fit.
  void init_from(const Solver& coarse) {
    for (size_t i = 0; i < targets_.size(); ++i) {
      const cv::Point p = targets_[i];
      const cv::Point c(std::min(p.x / 2, coarse.index_.cols - 1),
                        std::min(p.y / 2, coarse.index_.rows - 1));
      const int j = coarse.index_(c);
      cv::Point q = random_centre();
      if (j >= 0) {
        const cv::Point up = coarse.nnf_[size_t(j)] * 2 + (p - c * 2);
        if (valid(up)) q = up;
      }
      nnf_[i] = q;
    }
  }

  void search(int iteration, bool random) {
    for (size_t i = 0; i < targets_.size(); ++i) cost_[i] = distance(targets_[i], nnf_[i]);
    const bool forward = iteration % 2 == 0;
    const int step = forward ? 1 : -1;
    const size_t n = targets_.size();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = forward ? k : n - 1 - k;
      const cv::Point p = targets_[i];
      // Propagation: a neighbour's good match, shifted, is likely good here too.
      for (const cv::Point d : {cv::Point(step, 0), cv::Point(0, step)}) {
        const cv::Point from = p - d;
        if (from.x < 0 || from.y < 0 || from.x >= index_.cols || from.y >= index_.rows) continue;
        const int j = index_(from);
        if (j >= 0) try_match(i, nnf_[size_t(j)] + d);
      }
      if (random) {
        // Random search in shrinking windows around the best match so far.
        for (int radius = std::max(l_.img.cols, l_.img.rows); radius >= 1; radius /= 2) {
          const cv::Point q =
              nnf_[i] + cv::Point(rng_.in(-radius, radius), rng_.in(-radius, radius));
          try_match(i, q);
        }
      } else {
        // Every shift within 2 pixels: no chance involved, so nearly the same image (the next
        // frame) gives nearly the same matches.
        const cv::Point best = nnf_[i];
        for (int dy = -2; dy <= 2; ++dy)
          for (int dx = -2; dx <= 2; ++dx) try_match(i, best + cv::Point(dx, dy));
      }
    }
  }

  // The best source of every target among all of them, where that is affordable: the coarsest
  // level then depends on the image alone, not on a random start.
  bool exhaustive() {
    if (double(targets_.size()) * double(centres_.size()) > 4e6) return false;
    for (size_t i = 0; i < targets_.size(); ++i) {
      cost_[i] = std::numeric_limits<float>::infinity();
      for (const cv::Point q : centres_) {
        const float d = distance(targets_[i], q, cost_[i]);
        if (d < cost_[i]) cost_[i] = d, nnf_[i] = q;
      }
    }
    return true;
  }

  // Each hole pixel becomes the weighted mean of what the patches over it say it is; close
  // matches count more (weights from the spread of the match costs, Wexler et al.).
  // The sharpest reconstruction: each hole pixel the centre of its own best match (a mean of
  // overlapping patches blurs the texture that mismatched by a pixel).
  void reconstruct_best(const cv::Mat3f& from) {
    for (size_t i = 0; i < targets_.size(); ++i) {
      const cv::Point p = targets_[i];
      if (l_.hole(p)) l_.img(p) = from(nnf_[i]);
    }
  }

  // With `around`, also what the patches say the pixels around the hole are (where they
  // overlap it): the seam between the synthesis and the image, for the membrane.
  // `from`: the image the votes copy (default: the level's own).
  void vote(bool fresh_costs, cv::Mat3f* around = nullptr, cv::Mat1b* around_known = nullptr,
            const cv::Mat3f* from = nullptr) {
    const cv::Mat3f& src_img = from ? *from : l_.img;
    if (fresh_costs)
      for (size_t i = 0; i < targets_.size(); ++i) cost_[i] = distance(targets_[i], nnf_[i]);
    std::vector<float> sorted = cost_;
    float sigma2 = 1e-6f;
    if (!sorted.empty()) {
      auto q = sorted.begin() + std::ptrdiff_t(sorted.size() * 3 / 4);
      std::nth_element(sorted.begin(), q, sorted.end());
      sigma2 = std::max(*q, 1e-6f);
    }
    cv::Mat3f acc(l_.img.size(), cv::Vec3f(0, 0, 0));
    cv::Mat1f weight(l_.img.size(), 0.0f);
    for (size_t i = 0; i < targets_.size(); ++i) {
      const cv::Point p = targets_[i], q = nnf_[i];
      const float w = std::exp(-cost_[i] / (2 * sigma2)) + 1e-8f;
      for (int dy = -r_; dy <= r_; ++dy) {
        const int y = p.y + dy;
        if (y < 0 || y >= l_.img.rows) continue;
        const uchar* hole = l_.hole.ptr<uchar>(y);
        const cv::Vec3f* src = src_img.ptr<cv::Vec3f>(q.y + dy) + q.x;
        cv::Vec3f* a = acc.ptr<cv::Vec3f>(y);
        float* k = weight.ptr<float>(y);
        for (int dx = -r_; dx <= r_; ++dx) {
          const int x = p.x + dx;
          if (x < 0 || x >= l_.img.cols || (!hole[x] && !around)) continue;
          a[x] += w * src[dx];
          k[x] += w;
        }
      }
    }
    if (around) {
      *around = cv::Mat3f(l_.img.size(), cv::Vec3f(0, 0, 0));
      *around_known = cv::Mat1b(l_.img.size(), uchar(0));
    }
    for (int y = 0; y < l_.img.rows; ++y)
      for (int x = 0; x < l_.img.cols; ++x) {
        if (weight(y, x) <= 0) continue;
        if (l_.hole(y, x)) {
          l_.img(y, x) = acc(y, x) / weight(y, x);
        } else if (around && l_.source(y, x)) {
          (*around)(y, x) = acc(y, x) / weight(y, x);
          (*around_known)(y, x) = 255;
        }
      }
  }

 private:
  bool valid(cv::Point q) const {
    return q.x >= 0 && q.y >= 0 && q.x < ok_.cols && q.y < ok_.rows && ok_(q);
  }
  cv::Point random_centre() { return centres_[size_t(rng_.in(0, int(centres_.size()) - 1))]; }

  void try_match(size_t i, cv::Point q) {
    if (!valid(q) || q == nnf_[i]) return;
    const float d = distance(targets_[i], q, cost_[i]);
    if (d < cost_[i]) cost_[i] = d, nnf_[i] = q;
  }

  // Sum of squared differences over the part of p's patch that is usable (q's lies wholly in
  // the source); gives up once past `cutoff`.
  float distance(cv::Point p, cv::Point q,
                 float cutoff = std::numeric_limits<float>::infinity()) const {
    float sum = 0;
    for (int dy = -r_; dy <= r_; ++dy) {
      const int y = p.y + dy;
      if (y < 0 || y >= l_.img.rows) continue;
      const cv::Vec3f* a = l_.img.ptr<cv::Vec3f>(y);
      const cv::Vec3f* b = l_.img.ptr<cv::Vec3f>(q.y + dy) + q.x - p.x;
      const uchar* u = usable_.ptr<uchar>(y);
      const int x0 = std::max(0, p.x - r_), x1 = std::min(l_.img.cols - 1, p.x + r_);
      for (int x = x0; x <= x1; ++x) {
        if (!u[x]) continue;
        const cv::Vec3f d = a[x] - b[x];
        sum += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
      }
      if (sum > cutoff) return sum;
    }
    return sum;
  }

  Level& l_;
  int r_;
  Rng& rng_;
  cv::Mat1b usable_, ok_;
  std::vector<cv::Point> centres_, targets_;
  std::vector<cv::Point> nnf_;
  std::vector<float> cost_;
  cv::Mat1i index_;
};

}  // namespace

bool synthesise(cv::Mat3f& image, const cv::Mat1b& hole, const cv::Mat1b& source,
                const SynthesisOptions& options, SynthesisReport* report,
                const cv::Mat3f* colours) {
  const int patch = std::max(3, options.patch | 1);
  if (report) *report = {};
  std::vector<Level> levels;
  levels.push_back({image.clone(), hole.clone(), source & (hole == 0)});
  if (cv::countNonZero(valid_centres(levels[0].source, patch)) == 0) return false;
  // Coarsen until the hole is about a patch thick, so the coarsest search sees structure whole.
  while (hole_radius(levels.back().hole) > float(patch)) {
    const Level& f = levels.back();
    if (f.img.cols < 4 * patch || f.img.rows < 4 * patch) break;
    Level c = downsample(f);
    if (cv::countNonZero(valid_centres(c.source, patch)) < 16) break;
    levels.push_back(std::move(c));
  }
  if (report) report->levels = int(levels.size());

  // The coarsest level starts from a diffusion, then every level refines the one above.
  {
    Level& top = levels.back();
    std::vector<cv::Mat> channels;
    cv::split(top.img, channels);
    // OpenCV's float Telea is only right on 8-bit-like magnitudes (on [0, 1] it overshoots).
    for (auto& c : channels) {
      cv::Mat scaled = c * 255.0f, out;
      cv::inpaint(scaled, top.hole, out, 3, cv::INPAINT_TELEA);
      c = out / 255.0f;
    }
    cv::merge(channels, top.img);
  }
  Rng rng(options.seed);
  std::unique_ptr<Solver> coarser;
  for (int li = int(levels.size()) - 1; li >= 0; --li) {
    auto solver = std::make_unique<Solver>(levels[size_t(li)], patch, rng);
    bool random = true;
    if (coarser) {
      solver->init_from(*coarser);
      solver->vote(true);  // the finer image's first estimate, from the doubled matches
      random = !options.stable;
    } else if (options.stable && solver->exhaustive()) {
      random = false;
    } else {
      solver->random_init();
    }
    const int rounds = li == 0 ? options.finest_iterations : options.iterations;
    for (int it = 0; it < rounds; ++it) {
      if (options.cancelled && options.cancelled()) {
        if (report) report->cancelled = true;
        return true;
      }
      solver->search(it, random);
      solver->vote(false);
    }
    if (li == 0) {
      // The last copy takes its pixels from `colours` where given (the matches were found on
      // `image`), so a search on a steadier image still gets this frame's own grain.
      const cv::Mat3f& from = colours ? *colours : levels[0].img;
      if (options.sharp) {
        solver->search(rounds, random);  // matches for the last vote's image
        solver->reconstruct_best(from);
      } else if (colours) {
        solver->vote(false, nullptr, nullptr, colours);
      }
      if (options.seamless) {
        // Poisson blending: the image minus what the patches say around the hole, carried
        // into it as a membrane, so the synthesis meets the image without an edge.
        cv::Mat3f around;
        cv::Mat1b known;
        solver->vote(false, &around, &known, &from);
        cv::Mat3f difference = from - around;
        difference.setTo(cv::Scalar::all(0), known == 0);
        add_membrane(levels[0].img, levels[0].hole,
                     smooth_difference(difference, known, patch / 2 + 1), known);
      }
    }
    coarser = std::move(solver);
  }
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x)
      if (hole(y, x)) image(y, x) = levels[0].img(y, x);
  return true;
}

}  // namespace fl::inpaint
