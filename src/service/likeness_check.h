// Protected likenesses (docs/security.md): before anything renders, every operator that can
// alter a likeness (graph::LikenessReach) is checked against the casts of the footage it alters.
// Where a protected person's region (their tracked face, widened to where the body is) meets
// what the operator replaces, on any frame to be rendered, the render needs a consent in force;
// without one it is refused, naming the node, the person, the character and the frame.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/characters.h"
#include "graph/plan.h"
#include "render/renderer.h"
#include "security/policy.h"

namespace fl::service {

// The policy's likenesses, ready to be found in casts: each reference's face identity is
// measured once, when the policy is loaded.
class ProtectedLikenesses {
 public:
  // Errors name the policy field of a reference that cannot be read or shows no face.
  static Result<std::shared_ptr<const ProtectedLikenesses>> load(const security::Policy& policy);

  bool any_in(const std::string& project) const;
  // The likeness a cast's character is in `project`: by name or alias, else by face (the
  // distance dlib's model is published with for "same person", 0.6).
  const security::Likeness* match(const analysis::Character& c, const std::string& project) const;
  // A likeness in `project` that `name` (a name or alias) names.
  const security::Likeness* named(const std::string& name, const std::string& project) const;
  // Reference faces, for an analysis that should name the protected people it finds.
  const std::vector<analysis::ReferenceFace>& references() const { return references_; }

 private:
  std::vector<security::Likeness> likenesses_;
  std::vector<std::optional<analysis::Descriptor>> faces_;  // per likeness
  std::vector<analysis::ReferenceFace> references_;
};

struct LikenessRequest {
  const graph::Plan* plan = nullptr;
  int node = 0;                 // the plan node rendered (an output's, a preview's)
  int64_t first = 0, last = 0;  // its frames
  std::string project;
  std::string today;  // YYYY-MM-DD (security::utc_date)
  // Recorded consents of the project (the standing ones come with the likenesses).
  std::vector<security::Consent> consents;
  // The cast of a source node's media. An error refuses the render (no cast: nothing to check
  // against, so nothing is assumed).
  std::function<Result<std::shared_ptr<const analysis::Cast>>(const graph::PlanNode& source)>
      cast_for;
};

// A protected likeness altered under a consent.
struct LikenessUse {
  std::string node, op, likeness, consent;
  int64_t frame = 0;
};

// "node 'f' (fill) alters the protected likeness 'roxanne' from frame 12 under consent c_..."
std::string describe(const LikenessUse& use);

// The uses consented to, or permission_denied (field "nodes.<id>") naming the first that is not.
Result<std::vector<LikenessUse>> check_likenesses(const ProtectedLikenesses& likenesses,
                                                  render::Renderer& renderer,
                                                  const LikenessRequest& request);

// Where a character is on a media frame: the face box nearest in time within one of their
// tracks, widened to three face widths and down to six face heights below (the body); nullopt
// when they are not on screen.
std::optional<Rect> character_region(const analysis::Character& c, int64_t media_frame,
                                     int frame_width, int frame_height);

}  // namespace fl::service
