#include "service/likeness_check.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "analysis/character_matte.h"
#include "ops/character_source.h"

namespace fl::service {
namespace {

using graph::LikenessReach;

// dlib's face model is published with 0.6 as its "same person" distance (99.38 % on LFW).
constexpr float kSameFace = 0.6f;
// A pixel counts as replaced from a quarter coverage up: the fill blends by the mask's luma.
constexpr float kReplaced = 0.25f;
// Extension continues whatever touches the old edge; a person this near it is continued.
constexpr double kEdgeMargin = 0.04;

float distance(const analysis::Descriptor& a, const analysis::Descriptor& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += double(a[i] - b[i]) * double(a[i] - b[i]);
  return float(std::sqrt(sum));
}

bool measured(const analysis::Descriptor& d) {
  return std::any_of(d.begin(), d.end(), [](float v) { return v != 0; });
}

// The pictures an altering node changes: its inputs other than the mask and what reaches the
// output only inside it.
bool altered_input(const graph::OpSchema& schema, int index) {
  const std::string& name = schema.inputs[size_t(index)].name;
  if (name == schema.likeness.mask_input) return false;
  const auto& inside = schema.likeness.inside_inputs;
  return std::find(inside.begin(), inside.end(), name) == inside.end();
}

// Nodes upstream of `node` (itself included) whose pixels reach its output.
void collect(const graph::Plan& plan, int node, std::set<int>& seen) {
  if (node < 0 || !seen.insert(node).second) return;
  const graph::PlanNode& n = plan.nodes[size_t(node)];
  if (n.is_source) return;
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (!n.def || altered_input(n.def->schema, int(i))) collect(plan, n.inputs[i], seen);
}

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// A protected person in one source's cast.
struct Protected {
  const security::Likeness* likeness;
  const analysis::Character* character;
  const graph::PlanNode* source;
  const analysis::Cast* cast;
  size_t who;  // in cast->characters
};

// The altering node sees the source's picture, only scaled (no crop or reformat between).
bool same_picture(const graph::PlanNode& source, const graph::FrameGeometry& g) {
  const int sw = source.geometry.width, sh = source.geometry.height;
  return std::abs(double(g.width) / g.height - double(sw) / sh) <= 1e-3;
}

// Their region in `geometry` (the altering node's frame) on node frame `frame`: the source's
// region scaled when the pictures only differ in size; the whole frame when an upstream crop or
// reformat changed the aspect (their place there is unknown, so nothing is assumed).
std::optional<Rect> region_in(const Protected& p, int64_t frame, const graph::FrameGeometry& g) {
  const int sw = p.source->geometry.width, sh = p.source->geometry.height;
  auto r = character_region(*p.character, p.source->first_frame + frame, sw, sh);
  if (!r) return std::nullopt;
  if (g.width == sw && g.height == sh) return r;
  if (!same_picture(*p.source, g)) return Rect{0, 0, g.width, g.height};
  const double k = double(g.width) / sw;
  return Rect{int(std::floor(r->x * k)), int(std::floor(r->y * k)), int(std::ceil(r->w * k)),
              int(std::ceil(r->h * k))};
}

class Checker {
 public:
  Checker(const ProtectedLikenesses& likenesses, render::Renderer& renderer,
          const LikenessRequest& request)
      : likenesses_(likenesses), renderer_(renderer), req_(request) {}

  Result<std::vector<LikenessUse>> run() {
    const graph::Plan& plan = *req_.plan;
    std::set<int> reached;
    collect(plan, req_.node, reached);
    for (int index : reached) {
      const graph::PlanNode& n = plan.nodes[size_t(index)];
      if (n.is_source || !n.def || n.def->schema.likeness.reach == LikenessReach::kNone) continue;
      FL_RETURN_IF_ERROR(check_node(index));
    }
    return uses_;
  }

 private:
  Status check_node(int index) {
    const graph::Plan& plan = *req_.plan;
    const graph::PlanNode& n = plan.nodes[size_t(index)];
    const graph::OpSchema& schema = n.def->schema;
    std::vector<Protected> people;
    casts_.clear();
    std::set<int> upstream;
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (altered_input(schema, int(i))) collect(plan, n.inputs[i], upstream);
    for (int u : upstream) {
      const graph::PlanNode& source = plan.nodes[size_t(u)];
      if (!source.is_source) continue;
      auto cast = req_.cast_for(source);
      if (!cast.ok())
        return Status(cast.status())
            .with_context("node '" + n.id + "' (" + schema.name +
                          ") can alter a likeness and project '" + req_.project +
                          "' protects some: ")
            .with_field("nodes." + n.id);
      casts_.push_back(*cast);
      for (size_t k = 0; k < (*cast)->characters.size(); ++k)
        if (const auto* like = likenesses_.match((*cast)->characters[k], req_.project))
          people.push_back({like, &(*cast)->characters[k], &source, cast->get(), k});
    }
    const graph::FrameGeometry& g = n.geometry;
    switch (schema.likeness.reach) {
      case LikenessReach::kNone:
        return ok_status();
      case LikenessReach::kCharacter:
        return check_character(n, people);
      case LikenessReach::kWholeFrame:
        for (const auto& p : people)
          for (int64_t f = req_.first; f <= req_.last; ++f)
            if (region_in(p, f, g)) {
              FL_RETURN_IF_ERROR(consented(n, p, f, "is removed with everything that moves"));
              break;
            }
        return ok_status();
      case LikenessReach::kFrameEdge:
        return check_edges(n, people);
      case LikenessReach::kInsideMask:
        return check_mask(n, people);
    }
    return ok_status();
  }

  Status check_character(const graph::PlanNode& n, const std::vector<Protected>& people) {
    const std::string subject = n.op->likeness_subject();
    bool resolved = false;
    for (const auto& cast : casts_) {
      auto who = ops::find_character(*cast, subject);
      if (!who.ok()) continue;
      resolved = true;
      for (const auto& p : people) {
        if (p.character != &cast->characters[*who]) continue;
        for (int64_t f = req_.first; f <= req_.last; ++f)
          if (region_in(p, f, n.geometry)) {
            FL_RETURN_IF_ERROR(consented(n, p, f, "is the character it grades"));
            break;
          }
      }
    }
    // Named by a reference of the op's own analysis, not in a stored cast: the name decides.
    if (const auto* like = likenesses_.named(subject, req_.project); like && !resolved)
      return consented(n, {like, nullptr, nullptr, nullptr, 0}, req_.first,
                       "is the character it grades");
    return ok_status();
  }

  Status check_edges(const graph::PlanNode& n, const std::vector<Protected>& people) {
    const graph::FrameGeometry& in = req_.plan->nodes[size_t(n.inputs.at(0))].geometry;
    const bool wider = n.geometry.width > in.width, taller = n.geometry.height > in.height;
    const int mx = int(std::ceil(kEdgeMargin * in.width)),
              my = int(std::ceil(kEdgeMargin * in.height));
    for (const auto& p : people)
      for (int64_t f = req_.first; f <= req_.last; ++f) {
        auto r = region_in(p, f, in);
        if (!r) continue;
        const bool touches = (wider && (r->x <= mx || r->right() >= in.width - mx)) ||
                             (taller && (r->y <= my || r->bottom() >= in.height - my));
        if (touches) {
          FL_RETURN_IF_ERROR(consented(n, p, f, "touches the edge it extends"));
          break;
        }
      }
    return ok_status();
  }

  Status check_mask(const graph::PlanNode& n, const std::vector<Protected>& people) {
    if (people.empty()) return ok_status();
    const int mask_node =
        n.inputs.at(size_t(n.def->schema.input_index(n.def->schema.likeness.mask_input)));
    const graph::FrameGeometry& mg = req_.plan->nodes[size_t(mask_node)].geometry;
    const graph::FrameGeometry& in = req_.plan->nodes[size_t(n.inputs.at(0))].geometry;
    const double level = graph::level_at_least(mg.width, 480);
    std::vector<bool> done(people.size(), false);
    for (int64_t f = req_.first; f <= req_.last; ++f) {
      std::vector<std::pair<size_t, Rect>> here;
      for (size_t i = 0; i < people.size(); ++i)
        if (!done[i])
          if (auto r = region_in(people[i], f, in)) here.emplace_back(i, *r);
      if (here.empty()) continue;
      render::RenderRequest rr;
      rr.frame = mg.frame_count == 1 ? 0 : f;
      rr.scale = level;
      rr.quality = 0;
      rr.cache_intermediates = false;
      rr.keep_sources = false;
      auto mask = renderer_.render(*req_.plan, mask_node, rr);
      if (!mask.ok())
        return Status(mask.status())
            .with_context("node '" + n.id + "': reading its mask for the likeness check: ")
            .with_field("nodes." + n.id);
      const Image& m = **mask;
      // The mask is resampled to the picture's size: map the region by proportion.
      const double kx = double(m.width()) / in.width, ky = double(m.height()) / in.height;
      for (const auto& [i, r] : here) {
        const int x0 = std::max(m.bounds().x, int(std::floor(r.x * kx)));
        const int y0 = std::max(m.bounds().y, int(std::floor(r.y * ky)));
        const int x1 = std::min(m.bounds().right(), int(std::ceil(r.right() * kx)));
        const int y1 = std::min(m.bounds().bottom(), int(std::ceil(r.bottom() * ky)));
        std::vector<cv::Point> replaced;
        for (int y = y0; y < y1; ++y)
          for (int x = x0; x < x1; ++x) {
            const float* px = m.at(x, y);
            if (0.2126f * px[0] + 0.7152f * px[1] + 0.0722f * px[2] >= kReplaced)
              replaced.emplace_back(x - m.bounds().x, y - m.bounds().y);
          }
        bool hit = !replaced.empty();
        if (hit && same_picture(*people[i].source, in)) {
          FL_ASSIGN_OR_RETURN(hit, inside_matte(people[i], f, replaced, m.width(), m.height()));
        }
        if (hit) {
          FL_RETURN_IF_ERROR(consented(n, people[i], f, "is inside its mask"));
          done[i] = true;
        }
      }
      if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    }
    return ok_status();
  }

  // Does any replaced pixel (mask coordinates, a mask w x h) fall on the person's matte (the
  // segmentation below their face, character_matte.h), not just near them?
  Result<bool> inside_matte(const Protected& p, int64_t frame,
                            const std::vector<cv::Point>& replaced, int w, int h) {
    const graph::PlanNode& s = *p.source;
    const double scale = graph::level_at_least(s.geometry.width, 480);
    FL_ASSIGN_OR_RETURN(auto linear, renderer_.source_frame(s, frame, scale, false));
    FL_ASSIGN_OR_RETURN(cv::Mat matte,
                        mattes_.matte(*linear, scale, *p.cast, p.who, s.first_frame + frame, {}));
    for (const cv::Point& q : replaced) {
      const int mx = std::min(matte.cols - 1, int((q.x + 0.5) * matte.cols / w));
      const int my = std::min(matte.rows - 1, int((q.y + 0.5) * matte.rows / h));
      if (matte.at<float>(my, mx) >= 0.5f) return true;
    }
    return false;
  }

  // Allowed under a consent in force (recorded, or standing in the policy), or refused.
  Status consented(const graph::PlanNode& n, const Protected& p, int64_t frame,
                   const std::string& why) {
    const std::string& op = n.def->schema.name;
    const security::Consent* found = nullptr;
    for (const auto& c : p.likeness->consents)
      if (!found && c.covers(p.likeness->id, req_.project, op, req_.today)) found = &c;
    for (const auto& c : req_.consents)
      if (!found && c.covers(p.likeness->id, req_.project, op, req_.today)) found = &c;
    if (found) {
      uses_.push_back({n.id, op, p.likeness->id, found->id, frame});
      return ok_status();
    }
    std::string who = "the protected likeness '" + p.likeness->name + "'";
    if (p.character)
      who += " (character " + std::to_string(p.character->id) + " '" + p.character->name + "' of " +
             file_name(p.source->path) + ", frame " +
             std::to_string(p.source->first_frame + frame) + ")";
    return permission_denied("node '" + n.id + "' (" + op + ") alters " + who + ": it " + why +
                             ", and project '" + req_.project +
                             "' holds no consent in force for it (" + op +
                             "); a project admin records one: POST /v1/projects/" + req_.project +
                             "/consents, or `framelock consent grant`")
        .with_field("nodes." + n.id);
  }

  const ProtectedLikenesses& likenesses_;
  render::Renderer& renderer_;
  const LikenessRequest& req_;
  std::vector<std::shared_ptr<const analysis::Cast>> casts_;  // of the node being checked
  std::vector<LikenessUse> uses_;
  ops::MattePool mattes_;
};

}  // namespace

std::optional<Rect> character_region(const analysis::Character& c, int64_t media_frame,
                                     int frame_width, int frame_height) {
  const auto face = analysis::face_at(c, media_frame);
  if (!face) return std::nullopt;
  const double cx = face->x + face->w / 2.0;
  const int x0 = std::max(0, int(std::floor(cx - 1.5 * face->w)));
  const int y0 = std::max(0, int(std::floor(face->y - 0.5 * face->h)));
  const int x1 = std::min(frame_width, int(std::ceil(cx + 1.5 * face->w)));
  const int y1 = std::min(frame_height, int(std::ceil(face->y + 6.0 * face->h)));
  if (x1 <= x0 || y1 <= y0) return std::nullopt;
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

Result<std::shared_ptr<const ProtectedLikenesses>> ProtectedLikenesses::load(
    const security::Policy& policy) {
  auto out = std::make_shared<ProtectedLikenesses>();
  for (const auto& like : policy.likenesses) {
    out->likenesses_.push_back(like);
    if (like.reference.empty()) {
      out->faces_.emplace_back();
      continue;
    }
    auto face = analysis::reference_face_from_file(like.name, like.reference);
    if (!face.ok())
      return Status(face.status())
          .with_context("the policy's " + like.pointer + "/reference: ")
          .with_field(like.pointer + "/reference");
    out->faces_.emplace_back(face->descriptor);
    out->references_.push_back(std::move(*face));
  }
  return std::shared_ptr<const ProtectedLikenesses>(std::move(out));
}

bool ProtectedLikenesses::any_in(const std::string& project) const {
  return std::any_of(likenesses_.begin(), likenesses_.end(),
                     [&](const security::Likeness& l) { return l.applies_in(project); });
}

const security::Likeness* ProtectedLikenesses::named(const std::string& name,
                                                     const std::string& project) const {
  for (const auto& l : likenesses_)
    if (l.applies_in(project) && l.named(name)) return &l;
  return nullptr;
}

const security::Likeness* ProtectedLikenesses::match(const analysis::Character& c,
                                                     const std::string& project) const {
  if (const auto* by_name = named(c.name, project)) return by_name;
  if (!measured(c.descriptor)) return nullptr;
  const security::Likeness* best = nullptr;
  float best_distance = kSameFace;
  for (size_t i = 0; i < likenesses_.size(); ++i) {
    if (!faces_[i] || !likenesses_[i].applies_in(project)) continue;
    const float d = distance(*faces_[i], c.descriptor);
    if (d <= best_distance) best = &likenesses_[i], best_distance = d;
  }
  return best;
}

std::string describe(const LikenessUse& use) {
  return "node '" + use.node + "' (" + use.op + ") alters the protected likeness '" + use.likeness +
         "' from frame " + std::to_string(use.frame) + " under consent " + use.consent;
}

Result<std::vector<LikenessUse>> check_likenesses(const ProtectedLikenesses& likenesses,
                                                  render::Renderer& renderer,
                                                  const LikenessRequest& request) {
  if (!likenesses.any_in(request.project)) return std::vector<LikenessUse>{};
  return Checker(likenesses, renderer, request).run();
}

}  // namespace fl::service
