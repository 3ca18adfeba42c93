/* framelock's C API: what a plugin host, a pipeline tool or an FFI binding links
 * (libframelock.so). Opaque handles, error codes, no exceptions: every entry point catches what
 * the engine throws and reports it as a code. docs/embedding.md is the guide.
 *
 * Errors: every call that returns a framelock_code also records, for the calling thread, what
 * went wrong (framelock_last_error_*); a call that succeeds clears it. Strings the library returns
 * live as long as the handle they came from (media texts, plan warnings), for the whole process
 * (code names, op names, the version) or, for the last error, until the next call on the same
 * thread. NULL handles are refused with FRAMELOCK_INVALID_ARGUMENT; destroying NULL does
 * nothing.
 *
 * Threads: an engine may be used from several threads at once (renders share its caches); a
 * graph is not thread-safe; a plan is immutable and may be rendered by many threads; a cancel
 * token may be triggered from any thread. Destroy a handle only once no call is using it. */
#ifndef FRAMELOCK_FRAMELOCK_H
#define FRAMELOCK_FRAMELOCK_H

#include <stddef.h>
#include <stdint.h>

#include "framelock/framelock_export.h"
#include "framelock/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The same values as the engine's own error codes (and the CLI's exit statuses). */
typedef enum framelock_code {
  FRAMELOCK_OK = 0,
  FRAMELOCK_INVALID_ARGUMENT = 1, /* bad parameter, bad JSON, unknown operator */
  FRAMELOCK_NOT_FOUND = 2,        /* missing file, unknown node or output */
  FRAMELOCK_PERMISSION_DENIED = 3,
  FRAMELOCK_CORRUPT_DATA = 4, /* damaged media, malformed .cube/.cdl */
  FRAMELOCK_UNSUPPORTED = 5,
  FRAMELOCK_CANCELLED = 6,
  FRAMELOCK_IO = 7,
  FRAMELOCK_INTERNAL = 8,
  FRAMELOCK_CONFLICT = 9,
  FRAMELOCK_UNAUTHENTICATED = 10,
  FRAMELOCK_RESOURCE_EXHAUSTED = 11
} framelock_code;

/* "invalid_argument", "cancelled", ... for a framelock_code; "unknown" for any other value (an
   int, so a value from a foreign caller is never an invalid enum). */
FRAMELOCK_API const char* framelock_code_name(int code);

/* The last call on this thread that returned a code: FRAMELOCK_OK and "" after a success. */
FRAMELOCK_API framelock_code framelock_last_error_code(void);
FRAMELOCK_API const char* framelock_last_error_message(void);
/* The JSON path the error is about ("nodes.grade.params.slope"), or "". */
FRAMELOCK_API const char* framelock_last_error_field(void);
/* The graph node or source the error is about ("grade"), or "". */
FRAMELOCK_API const char* framelock_last_error_node(void);

/* The library's version at run time (FL_VERSION_* in version.h are the headers'). */
FRAMELOCK_API const char* framelock_version_string(void);
FRAMELOCK_API void framelock_version(int* major, int* minor, int* patch);

/* Frees a string the library allocated for the caller (framelock_graph_to_json). */
FRAMELOCK_API void framelock_free(char* text);

/* ---- Operators ---------------------------------------------------------------------------- */

/* The operators this library carries, by name, sorted ("cdl", "exposure", ...). */
FRAMELOCK_API size_t framelock_op_count(void);
FRAMELOCK_API const char* framelock_op_name(size_t index); /* NULL past the end */
/* The operator's schema as JSON, as `framelock ops --json` prints it (name, doc, inputs, window,
 * pointwise, and each param's type, default, min, max, choices and doc): what a plugin builds its
 * parameters from. Free it with framelock_free(). */
FRAMELOCK_API framelock_code framelock_op_schema(const char* op, char** out);

/* ---- Engine: threads, caches, open readers ------------------------------------------------ */

typedef struct framelock_engine framelock_engine;

/* cache_bytes: the tile cache's budget; 0 for the default (2 GiB). */
FRAMELOCK_API framelock_code framelock_engine_create(uint64_t cache_bytes, framelock_engine** out);
FRAMELOCK_API void framelock_engine_destroy(framelock_engine* engine);

/* ---- Media: open and probe ---------------------------------------------------------------- */

typedef struct framelock_media framelock_media;

typedef enum framelock_media_text {
  FRAMELOCK_MEDIA_PATH = 0,
  FRAMELOCK_MEDIA_CONTAINER = 1,    /* "avi", "mov,mp4,m4a,3gp,3g2,mj2", "image_sequence" */
  FRAMELOCK_MEDIA_CODEC = 2,        /* "mjpeg", "prores", "openexr" */
  FRAMELOCK_MEDIA_PIXEL_FORMAT = 3, /* FFmpeg's name ("yuv420p10le") or "rgba_half" */
  FRAMELOCK_MEDIA_TIMECODE = 4,     /* "01:00:00:00" or "" */
  /* Colour tags by FFmpeg's names ("bt709", "iec61966-2-1", "tv"); "unknown" when untagged. */
  FRAMELOCK_MEDIA_COLOR_PRIMARIES = 5,
  FRAMELOCK_MEDIA_COLOR_TRANSFER = 6,
  FRAMELOCK_MEDIA_COLOR_MATRIX = 7,
  FRAMELOCK_MEDIA_COLOR_RANGE = 8
} framelock_media_text;

/* A clip, still, image sequence or EDL/OTIO timeline, probed through the engine's readers. */
FRAMELOCK_API framelock_code framelock_media_open(framelock_engine* engine, const char* path,
                                                  framelock_media** out);
FRAMELOCK_API void framelock_media_close(framelock_media* media);
/* 0 (or "" for text) when media is NULL. */
FRAMELOCK_API int framelock_media_width(const framelock_media* media);
FRAMELOCK_API int framelock_media_height(const framelock_media* media);
FRAMELOCK_API int64_t framelock_media_frame_count(const framelock_media* media);
FRAMELOCK_API void framelock_media_frame_rate(const framelock_media* media, int* num, int* den);
FRAMELOCK_API int framelock_media_bit_depth(const framelock_media* media);
FRAMELOCK_API int framelock_media_has_alpha(const framelock_media* media);
FRAMELOCK_API double framelock_media_duration(const framelock_media* media); /* seconds */
FRAMELOCK_API const char* framelock_media_text_of(const framelock_media* media,
                                                  framelock_media_text which);

/* ---- Graph: built in code or read from JSON ----------------------------------------------- */

typedef struct framelock_graph framelock_graph;

FRAMELOCK_API framelock_code framelock_graph_create(framelock_graph** out);
/* The graph JSON of docs/embedding.md (src/graph/graph.h). base_dir resolves relative paths (NULL:
 * the current directory). Bad JSON is FRAMELOCK_INVALID_ARGUMENT with the line and column in the
 * message. */
FRAMELOCK_API framelock_code framelock_graph_parse(const char* json, const char* base_dir,
                                                   framelock_graph** out);
FRAMELOCK_API void framelock_graph_destroy(framelock_graph* graph);

FRAMELOCK_API framelock_code framelock_graph_add_source(framelock_graph* graph, const char* id,
                                                        const char* path);
/* params_json: a JSON object of the op's parameters, or NULL for its defaults. */
FRAMELOCK_API framelock_code framelock_graph_add_node(framelock_graph* graph, const char* id,
                                                      const char* op, const char* params_json);
/* One parameter as text, typed against the op's schema when the graph is compiled: "1.5",
 * "true", "1.1,1,0.9" for a vec3, a path or name for a string. */
FRAMELOCK_API framelock_code framelock_graph_set_param(framelock_graph* graph, const char* node,
                                                       const char* key, const char* value);
/* Wires `from` (a source or node) to input `input` of `to`; NULL input: the next one in the
 * op's order (a node's inputs are either all named or all in order). */
FRAMELOCK_API framelock_code framelock_graph_connect(framelock_graph* graph, const char* from,
                                                     const char* to, const char* input);
/* An output file of `node`; codec NULL or "" for the container's default. */
FRAMELOCK_API framelock_code framelock_graph_add_output(framelock_graph* graph, const char* node,
                                                        const char* path, const char* codec);
/* The graph as JSON text; free it with framelock_free(). */
FRAMELOCK_API framelock_code framelock_graph_to_json(const framelock_graph* graph, char** out);

/* ---- Plan: the compiled, immutable graph -------------------------------------------------- */

typedef struct framelock_plan framelock_plan;

/* Validates and prepares every op. A failure names the node (framelock_last_error_node) and the
 * field ("nodes.grade.params.slope"). The plan does not hold on to the graph. */
FRAMELOCK_API framelock_code framelock_plan_compile(framelock_engine* engine,
                                                    const framelock_graph* graph,
                                                    framelock_plan** out);
FRAMELOCK_API void framelock_plan_destroy(framelock_plan* plan);
FRAMELOCK_API int framelock_plan_output_count(const framelock_plan* plan);
FRAMELOCK_API size_t framelock_plan_warning_count(const framelock_plan* plan);
FRAMELOCK_API const char* framelock_plan_warning(const framelock_plan* plan, size_t index);
/* The size of `node`'s frames at `scale` (1, 0.5, 0.25, 0.125) and how many there are. node
 * NULL: the first output's node. */
FRAMELOCK_API framelock_code framelock_plan_frame_size(const framelock_plan* plan, const char* node,
                                                       double scale, int* width, int* height);
FRAMELOCK_API framelock_code framelock_plan_frame_count(const framelock_plan* plan,
                                                        const char* node, int64_t* count);

/* ---- Cancellation ------------------------------------------------------------------------- */

/* One-shot: once triggered it stays triggered; use a new token for the next render. */
typedef struct framelock_cancel framelock_cancel;

FRAMELOCK_API framelock_code framelock_cancel_create(framelock_cancel** out);
FRAMELOCK_API void framelock_cancel_trigger(framelock_cancel* cancel); /* any thread */
FRAMELOCK_API int framelock_cancel_triggered(const framelock_cancel* cancel);
FRAMELOCK_API void framelock_cancel_destroy(framelock_cancel* cancel);

/* ---- Rendering ---------------------------------------------------------------------------- */

/* Pixels are linear light in the plan's working space, RGBA interleaved. U16 is the same values
 * clamped to [0, 1] and scaled to 0..65535 (no transfer function applied). */
typedef enum framelock_pixel_format {
  FRAMELOCK_RGBA_F32 = 0,
  FRAMELOCK_RGBA_U16 = 1,
  FRAMELOCK_RGBA_U8 = 2 /* filters only (framelock_filter_apply) */
} framelock_pixel_format;

/* Pixels in the grid of the render's scale: at scale 0.5 a 1920x1080 frame is 960x540. */
typedef struct framelock_rect {
  int x, y, width, height;
} framelock_rect;

/* Renders frame `frame` of `node` (NULL: the first output's node) at `scale` into `pixels`:
 * the whole frame (region NULL) or `region`, which must lie inside it. The buffer holds
 * height rows of width pixels, row_bytes apart (0: packed). cancel may be NULL. */
FRAMELOCK_API framelock_code framelock_render_frame(framelock_engine* engine,
                                                    const framelock_plan* plan, const char* node,
                                                    int64_t frame, double scale,
                                                    const framelock_rect* region,
                                                    framelock_pixel_format format, void* pixels,
                                                    size_t row_bytes, framelock_cancel* cancel);

/* One level of a progressive render: float RGBA, owned by the library, valid during the call.
 * Return non-zero to stop (the render then returns FRAMELOCK_CANCELLED). */
typedef int (*framelock_level_fn)(void* user, double scale, const float* rgba, int width,
                                  int height, size_t row_bytes, int is_final);

/* The whole frame at each of `scales` in order (coarse first: e.g. 0.125, 0.5, 1), each level
 * reusing what the coarser ones decoded; the last level is the final-quality one. */
FRAMELOCK_API framelock_code framelock_render_progressive(framelock_engine* engine,
                                                          const framelock_plan* plan,
                                                          const char* node, int64_t frame,
                                                          const double* scales, size_t count,
                                                          framelock_level_fn on_level, void* user,
                                                          framelock_cancel* cancel);

/* Called after each frame written. Return non-zero to stop (the render is cancelled). */
typedef int (*framelock_progress_fn)(void* user, int64_t frames_done, int64_t frames_total);

/* Writes output `output` (0-based, graph order) to its path, or to `path` when not NULL: frames
 * first..last of its node (first < 0: the output's own range), through a temporary file renamed
 * on success; nothing is left behind on failure or cancellation. */
FRAMELOCK_API framelock_code framelock_render_output(framelock_engine* engine,
                                                     const framelock_plan* plan, int output,
                                                     const char* path, int64_t first, int64_t last,
                                                     framelock_progress_fn progress, void* user,
                                                     framelock_cancel* cancel);

/* ---- Filters: one operator over frames the caller holds (plugin hosts) ---------------------- */

/* A pointwise operator with one input (cdl, exposure, lut3d, ocio, saturation) applied to frames
 * a host hands over, through the same plan and renderer as a graph, and the same transfer
 * curves and quantisation as a file read and written by `framelock apply`. */
typedef struct framelock_filter framelock_filter;

/* transfer: how the caller's code values encode light, by a graph source's transfer names
 * ("srgb", "rec709", "gamma24", "linear"...); NULL: "srgb". An op that is unknown, takes other
 * inputs or is not pointwise is FRAMELOCK_INVALID_ARGUMENT. The filter keeps `engine`: destroy
 * the filter first. */
FRAMELOCK_API framelock_code framelock_filter_create(framelock_engine* engine, const char* op,
                                                     const char* transfer, framelock_filter** out);
FRAMELOCK_API void framelock_filter_destroy(framelock_filter* filter);
/* One parameter as text, as framelock_graph_set_param takes it, checked against the schema now:
 * a bad one is refused (naming the field) and the filter keeps its last good value. Files the op
 * reads (a .cube, an OCIO config) are read at the next apply. */
FRAMELOCK_API framelock_code framelock_filter_set_param(framelock_filter* filter, const char* key,
                                                        const char* value);
/* Filters width x height pixels of `in` into `out` (the same buffer is allowed): RGBA, code
 * values in the filter's transfer (F32 unclamped), straight alpha, rows row_bytes apart (0:
 * packed). One call at a time per filter; filters of one engine may run at once. */
FRAMELOCK_API framelock_code framelock_filter_apply(framelock_filter* filter, int width, int height,
                                                    framelock_pixel_format format, const void* in,
                                                    size_t in_row_bytes, void* out,
                                                    size_t out_row_bytes);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FRAMELOCK_FRAMELOCK_H */
