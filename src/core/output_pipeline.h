// The one way framelock writes files. Every output (a render, a still, a contact sheet, a report,
// an exported .cube/.cdl/.edl/.otio) is written by an OutputPipeline: frames pass its frame
// stages in order before they are encoded, and once a file is in its final place (after the
// rename, or the join of a server job's segments) its finishers run. The invisible watermark
// will be a frame stage and the provenance manifest a finisher; both must see every output, so
// nothing writes around this.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/content_id.h"
#include "framelock/image.h"
#include "framelock/status.h"

namespace fl {

enum class OutputKind {
  kRender,    // frames of a plan output: a clip, an image sequence, a still
  kSheet,     // a contact sheet
  kReport,    // a JSON report
  kLook,      // .cube, .cc, .ccc
  kTimeline,  // .edl, .otio
};
std::string_view output_kind_name(OutputKind kind);

// What a finisher is told about a file that is now in its final place.
struct OutputRecord {
  std::string path;  // final path; for an image sequence, its pattern
  OutputKind kind = OutputKind::kRender;
  std::string producer;          // the command, node or op that made it ("render", "scene_lock")
  std::vector<FileRead> inputs;  // every file read to make it
  int64_t first_frame = 0, last_frame = -1;  // renders: the output's frames
  std::vector<std::string> files;            // an image sequence's files, in frame order
};

// Runs on each frame of a render before it is encoded, on whichever pixel path the render takes:
// linear float, or 16-bit code values in the sink's transfer (a stage never sends a render to
// the float path). `frame` is the output's frame number, the same whether the output is
// rendered whole or in segments, so a stage that depends on it gives the same bytes either way.
// Called from several threads at once for different frames.
class FrameStage {
 public:
  virtual ~FrameStage() = default;
  virtual std::string_view name() const = 0;
  virtual Status apply(int64_t frame, Image& linear) const = 0;
  virtual Status apply(int64_t frame, Rgb48Image& codes) const = 0;
};

// Runs once a file is complete and in place. A failed finisher fails the output: the file is
// removed, because a delivery without its manifest is not one.
class Finisher {
 public:
  virtual ~Finisher() = default;
  virtual std::string_view name() const = 0;
  virtual Status finish(const OutputRecord& record) const = 0;
};

// A finisher whose work is known only later: a server job's pipeline is made before its plan is
// compiled (the plan is compiled with it), so the finishers that name the plan (the audit
// record, the manifest) are put in place once it exists, before any file is finished. Until
// then, and when none is put, it does nothing.
class DeferredFinisher final : public Finisher {
 public:
  explicit DeferredFinisher(std::string name) : name_(std::move(name)) {}
  void set(std::shared_ptr<const Finisher> finisher) { finisher_ = std::move(finisher); }
  std::string_view name() const override { return name_; }
  Status finish(const OutputRecord& record) const override {
    return finisher_ ? finisher_->finish(record) : ok_status();
  }

 private:
  std::string name_;
  std::shared_ptr<const Finisher> finisher_;
};

class OutputPipeline {
 public:
  // No stages, no finishers: files written only for the caller (tests, a scratch export).
  static const OutputPipeline& plain();

  OutputPipeline& add_stage(std::shared_ptr<const FrameStage> stage);
  OutputPipeline& add_finisher(std::shared_ptr<const Finisher> finisher);
  const std::vector<std::shared_ptr<const FrameStage>>& stages() const { return stages_; }

  // Writes `bytes` to record.path through a temp file and a rename, then runs the finishers.
  Status write_file(const OutputRecord& record, std::string_view bytes) const;
  // The finishers, in order, for a file already in place (a render after its rename or join).
  // On failure record.path is removed (an image sequence's frames stay: the finisher said which
  // part failed) and the error names the finisher.
  Status finish(const OutputRecord& record) const;

 private:
  std::vector<std::shared_ptr<const FrameStage>> stages_;
  std::vector<std::shared_ptr<const Finisher>> finishers_;
};

// A finisher that keeps, for each output, the content id of what was written (XXH3-128 of the
// file's bytes) beside its record: what the CLI prints and a server job stores, so a render can
// be checked against another machine's (farm chunks, CLI vs server) without the files side by
// side.
class OutputLedger final : public Finisher {
 public:
  struct Entry {
    OutputRecord record;
    std::string xxh128;  // empty for image sequences (many files)
    int64_t bytes = 0;
  };
  std::string_view name() const override { return "ledger"; }
  Status finish(const OutputRecord& record) const override;
  std::vector<Entry> entries() const;

 private:
  mutable std::mutex mu_;
  mutable std::vector<Entry> entries_;
};

}  // namespace fl
