// What the character operators share: which cast they read and which character of it. The cast
// comes from a cast file (`cast=FILE`, written by `framelock characters`, with the user's
// renames, merges and splits), or from the op's own analysis of its input, named by
// `references`. The character is a name or an id, checked at compile when it can be.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "analysis/character_matte.h"
#include "analysis/characters.h"
#include "graph/op.h"

namespace fl::ops {

struct CharacterSource {
  std::string character;                                        // as written: a name or an id
  std::shared_ptr<const analysis::Cast> cast;                   // from `cast=FILE`; null: analyse
  std::vector<std::pair<std::string, std::string>> references;  // name, resolved path
};

// From the op's `character`, `cast` and `references` params. Fails, naming the field, on a cast
// file that cannot be read, a reference that is missing, and a character that the cast file
// does not hold or (without one) that is neither a reference's name nor an id.
Result<CharacterSource> character_source(const std::string& character, const std::string& cast,
                                         const std::string& references,
                                         const graph::PrepareCtx& ctx);

// The index of the character in a cast (name, case-insensitive, or id), or an error naming
// params.character and listing who the cast holds.
Result<size_t> find_character(const analysis::Cast& cast, const std::string& character);

// The analysis state when the cast is found by the op itself; saved as the cast file's JSON.
class CastState final : public graph::OpState {
 public:
  explicit CastState(analysis::Cast c) : cast(std::move(c)) {}
  analysis::Cast cast;
};
constexpr int kCastStateVersion = 1;
Result<std::string> save_cast_state(const analysis::Cast& cast);
Result<analysis::Cast> load_cast_state(std::string_view bytes);

// What an own analysis depends on besides the input: the references' names (their files are in
// the key by content already) and the models (their pinned hashes).
std::string cast_analysis_key(const CharacterSource& source);

// The cast of the op's input: faces found, followed and identified on every frame (read at a
// preview level at least 960 pixels wide), named by the references. `progress` gets (frames
// done, frames); false cancels.
Result<analysis::Cast> analyse_cast(graph::AnalysisCtx& ctx, const CharacterSource& source,
                                    const analysis::CharacterProgress& progress);

// A frame as the models want it: display-referred 8-bit BGR.
cv::Mat display_bgr(const Image& linear);

// The mattes of frames rendered at once: the segmentation network is not re-entrant, so each
// render takes a network of its own from here and gives it back.
class MattePool {
 public:
  // cast.characters[who]'s matte on `linear` (frame `frame` at `scale`), CV_32F at its size.
  Result<cv::Mat> matte(const Image& linear, double scale, const analysis::Cast& cast, size_t who,
                        int64_t frame, const analysis::MatteOptions& options) const;

 private:
  mutable std::mutex mu_;
  mutable std::vector<ml::PersonSegmenter> idle_;
};

}  // namespace fl::ops
