// One scheduler for the process's threads. Work comes in three roles, and when they compete for
// the cores the order is previews, then jobs, then analyses: each role runs in its own oneTBB
// arena with that priority, so TBB's workers leave a job's parallel loops for a preview's as soon
// as one is waiting. Previews run on a small pool of threads owned here (no thread per request),
// and decoders take their thread budget from here.
#pragma once

#include <functional>

namespace fl::render {

enum class Role { kPreview, kJob, kAnalysis };

const char* role_name(Role role);

// Runs `work` on the calling thread inside `role`'s arena: the parallel loops it starts are
// shared out by that role's priority. A nested call moves to the other arena and back.
void run_as(Role role, const std::function<void()>& work);

// Runs `task` on one of the preview threads, inside the preview arena. Tasks start in the order
// they were posted, as many at once as there are preview threads (the machine's cores, at least
// two), so a superseded request still in a stretch it cannot cancel (a 4K decode) does not hold
// the next one back. A task must not block on another preview task.
void post_preview(std::function<void()> task);

// How many threads a decoder may start of its own (libavcodec's frame and slice threads): the
// cores TBB sees, so that decoding and the arenas size themselves from one figure.
int codec_threads();

}  // namespace fl::render
