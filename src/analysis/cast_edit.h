// A person's corrections to a cast (rename, merge, split), kept with the cast and carried onto a
// new analysis of the same clip: the new tracks join the characters whose faces they overlap,
// so ids, names, merges and splits survive re-analysis (a model update, new references).
#pragma once

#include <string>

#include "analysis/characters.h"
#include "framelock/status.h"

namespace fl::analysis {

// kNotFound naming the id when the cast has no such character; kInvalidArgument for an empty
// name or one another character already has.
Status rename_character(Cast& cast, int id, const std::string& name);

// The tracks of `other` join `into`; `other` is gone. Refused (kInvalidArgument) when the two
// are seen on the same frame: two faces on one frame are two people.
Status merge_characters(Cast& cast, int into, int other);

// The tracks of `id` that lie within frames [first, last] become a new character (the next free
// id, named `name` or "character <id>"); returns its id. Refused when no track, or every track,
// lies there.
Result<int> split_character(Cast& cast, int id, int64_t first, int64_t last,
                            const std::string& name = {});

// `fresh` (a new analysis of the clip `previous` was made from) with `previous`'s identities:
// each fresh track joins the previous character whose boxes it overlaps on most frames (box
// centres inside each other), taking its id and name, so merges and splits carry over; tracks
// that overlap none keep their own grouping under new ids. A reference's name wins over a
// default "character N". The corrections log carries over too.
Cast carry_over(const Cast& previous, Cast fresh);

}  // namespace fl::analysis
