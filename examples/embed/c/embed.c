/* Embedding framelock from C: probe a clip, grade it (decode -> cdl -> encode), render one frame
 * into a buffer, then a few frames to a file. Usage: embed_c CLIP OUT.mkv */
#include <stdio.h>
#include <stdlib.h>

#include <framelock/framelock.h>

static int report(const char* what, framelock_code code) {
  if (code == FRAMELOCK_OK) return 0;
  fprintf(stderr, "embed_c: %s: %s: %s", what, framelock_code_name(code),
          framelock_last_error_message());
  if (*framelock_last_error_node()) fprintf(stderr, " (node %s)", framelock_last_error_node());
  if (*framelock_last_error_field()) fprintf(stderr, " [%s]", framelock_last_error_field());
  fprintf(stderr, "\n");
  return 1;
}

static int on_progress(void* user, int64_t done, int64_t total) {
  (void)user;
  printf("  wrote %lld/%lld\n", (long long)done, (long long)total);
  return 0; /* keep going */
}

int main(int argc, char** argv) {
  framelock_engine* engine = NULL;
  framelock_media* media = NULL;
  framelock_graph* graph = NULL;
  framelock_plan* plan = NULL;
  float* pixels = NULL;
  int failed = 1, num = 0, den = 1, width = 0, height = 0;
  double sum = 0;
  size_t i;

  if (argc != 3) {
    fprintf(stderr, "usage: embed_c CLIP OUT.mkv\n");
    return 2;
  }
  printf("framelock %s\n", framelock_version_string());
  if (report("engine", framelock_engine_create(0, &engine))) goto done;

  if (report("probe", framelock_media_open(engine, argv[1], &media))) goto done;
  framelock_media_frame_rate(media, &num, &den);
  printf("%s: %dx%d, %lld frames at %d/%d, %d-bit, %s/%s\n", argv[1], framelock_media_width(media),
         framelock_media_height(media), (long long)framelock_media_frame_count(media), num, den,
         framelock_media_bit_depth(media),
         framelock_media_text_of(media, FRAMELOCK_MEDIA_COLOR_PRIMARIES),
         framelock_media_text_of(media, FRAMELOCK_MEDIA_COLOR_TRANSFER));

  if (report("graph", framelock_graph_create(&graph))) goto done;
  if (report("source", framelock_graph_add_source(graph, "clip", argv[1]))) goto done;
  if (report("node",
             framelock_graph_add_node(graph, "grade", "cdl",
                                      "{\"slope\": [1.1, 1.0, 0.9], \"power\": [1, 1, 1]}")))
    goto done;
  if (report("param", framelock_graph_set_param(graph, "grade", "saturation", "0.8"))) goto done;
  if (report("connect", framelock_graph_connect(graph, "clip", "grade", "in"))) goto done;
  if (report("output", framelock_graph_add_output(graph, "grade", argv[2], "ffv1"))) goto done;
  if (report("compile", framelock_plan_compile(engine, graph, &plan))) goto done;

  /* One frame at half size into our own buffer. */
  if (report("size", framelock_plan_frame_size(plan, NULL, 0.5, &width, &height))) goto done;
  pixels = malloc((size_t)width * (size_t)height * 4 * sizeof(float));
  if (!pixels) goto done;
  if (report("render", framelock_render_frame(engine, plan, NULL, 0, 0.5, NULL, FRAMELOCK_RGBA_F32,
                                              pixels, 0, NULL)))
    goto done;
  for (i = 0; i < (size_t)width * (size_t)height * 4; ++i) sum += pixels[i];
  printf("frame 0 at 1/2: %dx%d, mean %.4f\n", width, height, sum / ((double)width * height * 4));
  if (!(sum > 0)) {
    fprintf(stderr, "embed_c: the rendered frame is empty\n");
    goto done;
  }

  /* Five frames to a file. */
  if (report("render to file",
             framelock_render_output(engine, plan, 0, NULL, 0, 4, on_progress, NULL, NULL)))
    goto done;
  framelock_media_close(media);
  media = NULL;
  if (report("probe output", framelock_media_open(engine, argv[2], &media))) goto done;
  if (framelock_media_frame_count(media) != 5) {
    fprintf(stderr, "embed_c: %s has %lld frames, not 5\n", argv[2],
            (long long)framelock_media_frame_count(media));
    goto done;
  }
  printf("wrote %s\n", argv[2]);
  failed = 0;

done:
  free(pixels);
  framelock_plan_destroy(plan);
  framelock_graph_destroy(graph);
  framelock_media_close(media);
  framelock_engine_destroy(engine);
  return failed;
}
