#include "core/output_pipeline.h"

#include <filesystem>

#include "core/file_util.h"

namespace fl {

std::string_view output_kind_name(OutputKind kind) {
  switch (kind) {
    case OutputKind::kRender:
      return "render";
    case OutputKind::kSheet:
      return "sheet";
    case OutputKind::kReport:
      return "report";
    case OutputKind::kLook:
      return "look";
    case OutputKind::kTimeline:
      return "timeline";
  }
  return "render";
}

const OutputPipeline& OutputPipeline::plain() {
  static const OutputPipeline none;
  return none;
}

OutputPipeline& OutputPipeline::add_stage(std::shared_ptr<const FrameStage> stage) {
  if (stage) stages_.push_back(std::move(stage));
  return *this;
}

OutputPipeline& OutputPipeline::add_finisher(std::shared_ptr<const Finisher> finisher) {
  if (finisher) finishers_.push_back(std::move(finisher));
  return *this;
}

Status OutputPipeline::write_file(const OutputRecord& record, std::string_view bytes) const {
  FL_RETURN_IF_ERROR(write_file_atomic(record.path, bytes));
  return finish(record);
}

Status OutputPipeline::finish(const OutputRecord& record) const {
  for (const auto& f : finishers_) {
    Status s;
    try {
      s = f->finish(record);
    } catch (const std::exception& e) {
      s = internal_error(e.what());
    }
    if (s.ok()) continue;
    std::error_code ec;
    if (std::filesystem::is_regular_file(record.path, ec)) std::filesystem::remove(record.path, ec);
    return s.with_context("'" + record.path + "': " + std::string(f->name()) + ": ");
  }
  return ok_status();
}

Status OutputLedger::finish(const OutputRecord& record) const {
  Entry e{record, {}, 0};
  std::error_code ec;
  // An image sequence's record names its pattern: its frames are many files, listed apart.
  if (std::filesystem::is_regular_file(record.path, ec)) {
    FL_ASSIGN_OR_RETURN(ContentId id, ContentIds::shared().identify_fully(record.path));
    e.xxh128 = id.xxh128;
    e.bytes = id.size;
  }
  std::lock_guard lock(mu_);
  entries_.push_back(std::move(e));
  return ok_status();
}

std::vector<OutputLedger::Entry> OutputLedger::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

}  // namespace fl
