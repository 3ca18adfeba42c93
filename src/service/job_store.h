// Jobs in SQLite: one row per job, one per committed segment. Every state change is one
// statement or one transaction, so a kill -9 at any point leaves a state the next start can
// resume from.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "service/job.h"
#include "store/database.h"

namespace fl::service {

class JobStore {
 public:
  static Result<std::unique_ptr<JobStore>> open(std::shared_ptr<store::Database> db);

  Status insert(const JobInfo& job);                 // as queued
  Result<JobInfo> get(const std::string& id) const;  // not_found for unknown ids
  // Newest first.
  Result<std::vector<JobInfo>> list(const JobFilter& filter) const;

  // The oldest queued job, now running (attempts + 1); nullopt when the queue is empty.
  Result<std::optional<JobInfo>> claim_next(double now);
  // Writes state, frames_done, error, finished and cancel_requested; a final state also drops
  // the job's segment records.
  Status save(const JobInfo& job);
  Status request_cancel(const std::string& id);
  // The watermark record its output carries (chosen once, before its first frame, so a
  // resumed job marks the frames it renders as the first run did).
  Status set_watermark_record(const std::string& id, int64_t record);
  Status remove(const std::string& id);  // the record and its segments' records

  // After a restart: cancels asked for before the crash take effect, running jobs go back to
  // the queue. Returns the ids of the jobs still to render (their temp files may need removal).
  Result<std::vector<std::string>> recover(double now);

  Result<std::set<int64_t>> segments(const std::string& id) const;
  // Segment `index` is in place and the job has `frames_done` frames: both or neither.
  Status commit_segment(const std::string& id, int64_t index, int64_t frames_done);

 private:
  explicit JobStore(std::shared_ptr<store::Database> db) : db_(std::move(db)) {}
  std::shared_ptr<store::Database> db_;
};

}  // namespace fl::service
