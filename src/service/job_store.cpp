#include "service/job_store.h"

#include "core/json_text.h"
#include "service/json_views.h"

namespace fl::service {

namespace {

const char* kJobColumns =
    "id, owner, owner_name, state, spec, first_frame, last_frame, frames_total, frames_done, "
    "segment_frames, attempts, cancel_requested, error, created, started, finished, warnings, "
    "output, review, watermark";

JobInfo job_from_row(const store::Row& r) {
  JobInfo j;
  j.id = r.text(0);
  j.owner = r.text(1);
  j.owner_name = r.text(2);
  j.state = parse_job_state(r.text(3)).value_or(JobState::kFailed);
  auto spec = job_spec_from_json(nlohmann::json::parse(r.text(4), nullptr, false));
  if (spec.ok()) j.spec = *spec;
  j.first_frame = r.integer(5);
  j.last_frame = r.integer(6);
  j.frames_total = r.integer(7);
  j.frames_done = r.integer(8);
  j.segment_frames = std::max<int64_t>(1, r.integer(9));
  j.attempts = int(r.integer(10));
  j.cancel_requested = r.integer(11) != 0;
  if (!r.is_null(12)) {
    auto e = nlohmann::json::parse(r.text(12), nullptr, false);
    if (e.is_object())
      j.error = Status(ErrorCode::kInternal, e.value("message", ""), e.value("field", ""));
    for (int c = 1; c <= kLastErrorCode; ++c)
      if (e.is_object() && error_code_name(ErrorCode(c)) == e.value("code", ""))
        j.error = Status(ErrorCode(c), j.error.message(), j.error.field());
  }
  j.created = r.real(13);
  j.started = r.real(14);
  j.finished = r.real(15);
  if (!r.is_null(16)) {
    auto w = nlohmann::json::parse(r.text(16), nullptr, false);
    if (w.is_array())
      for (const auto& line : w)
        if (line.is_string()) j.warnings.push_back(line.get<std::string>());
  }
  if (!r.is_null(17)) {
    auto o = nlohmann::json::parse(r.text(17), nullptr, false);
    if (o.is_object()) {
      j.output_xxh128 = o.value("xxh128", "");
      j.output_bytes = o.value("bytes", int64_t(0));
    }
  }
  j.review = r.text(18);
  j.watermark_record = r.is_null(19) ? -1 : std::stoll(r.text(19));
  return j;
}

}  // namespace

Result<std::unique_ptr<JobStore>> JobStore::open(std::shared_ptr<store::Database> db) {
  FL_RETURN_IF_ERROR(db->exec_script(
      "CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, owner TEXT NOT NULL, owner_name TEXT "
      "NOT NULL, state TEXT NOT NULL, spec TEXT NOT NULL, first_frame INTEGER NOT NULL, "
      "last_frame INTEGER NOT NULL, frames_total INTEGER NOT NULL, frames_done INTEGER NOT NULL "
      "DEFAULT 0, segment_frames INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
      "cancel_requested INTEGER NOT NULL DEFAULT 0, error TEXT, created REAL NOT NULL, started "
      "REAL NOT NULL DEFAULT 0, finished REAL NOT NULL DEFAULT 0);"
      "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, created);"
      "CREATE TABLE IF NOT EXISTS job_segments(job TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY "
      "KEY(job, idx));"));
  // Databases made by earlier versions gain the columns added since.
  FL_ASSIGN_OR_RETURN(auto columns, db->query("PRAGMA table_info(jobs)"));
  for (const char* added : {"warnings", "output", "project", "review", "watermark"}) {
    bool has = false;
    for (const auto& c : columns) has = has || c.text(1) == added;
    if (!has)
      FL_RETURN_IF_ERROR(db->exec(std::string("ALTER TABLE jobs ADD COLUMN ") + added + " TEXT"));
  }
  // Jobs from before projects are the default project's (as their specs, without one, say).
  FL_RETURN_IF_ERROR(
      db->exec_script("UPDATE jobs SET project = 'default' WHERE project IS NULL;"
                      "CREATE INDEX IF NOT EXISTS jobs_by_project ON jobs(project, created);"));
  return std::unique_ptr<JobStore>(new JobStore(std::move(db)));
}

Status JobStore::insert(const JobInfo& job) {
  return db_->exec(
      "INSERT INTO jobs(id, owner, owner_name, state, spec, first_frame, last_frame, "
      "frames_total, segment_frames, created, warnings, project) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
      {job.id, job.owner, job.owner_name, std::string("queued"),
       json_text(job_spec_to_json(job.spec)), job.first_frame, job.last_frame, job.frames_total,
       job.segment_frames, job.created,
       job.warnings.empty() ? store::Value()
                            : store::Value(json_text(nlohmann::json(job.warnings))),
       job.spec.project});
}

Result<JobInfo> JobStore::get(const std::string& id) const {
  FL_ASSIGN_OR_RETURN(
      auto row,
      db_->query_one(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?", {id}));
  if (!row) return not_found("no job '" + id + "'");
  return job_from_row(*row);
}

Result<std::vector<JobInfo>> JobStore::list(const JobFilter& filter) const {
  std::vector<std::string> terms;
  std::vector<store::Value> args;
  if (filter.projects) {
    if (filter.projects->empty()) return std::vector<JobInfo>{};
    std::string in = "project IN (";
    for (size_t i = 0; i < filter.projects->size(); ++i) {
      in += i ? ",?" : "?";
      args.emplace_back((*filter.projects)[i]);
    }
    terms.push_back(in + ")");
  }
  if (filter.review) {
    terms.push_back("review = ?");
    args.emplace_back(*filter.review);
  }
  std::string where;
  for (size_t i = 0; i < terms.size(); ++i) where += (i ? " AND " : " WHERE ") + terms[i];
  args.emplace_back(int64_t(filter.limit));
  FL_ASSIGN_OR_RETURN(auto rows, db_->query(std::string("SELECT ") + kJobColumns + " FROM jobs" +
                                                where + " ORDER BY created DESC LIMIT ?",
                                            args));
  std::vector<JobInfo> out;
  for (const auto& r : rows) out.push_back(job_from_row(r));
  return out;
}

Result<std::optional<JobInfo>> JobStore::claim_next(double now) {
  FL_ASSIGN_OR_RETURN(auto row, db_->query_one(std::string("SELECT ") + kJobColumns +
                                               " FROM jobs WHERE state = 'queued' ORDER BY "
                                               "created LIMIT 1"));
  if (!row) return std::optional<JobInfo>{};
  JobInfo job = job_from_row(*row);
  job.state = JobState::kRunning;
  job.attempts += 1;
  if (job.started == 0) job.started = now;
  FL_RETURN_IF_ERROR(db_->exec(
      "UPDATE jobs SET state = 'running', attempts = ?, started = ? WHERE id = ? AND state = "
      "'queued'",
      {int64_t(job.attempts), job.started, job.id}));
  return std::optional<JobInfo>(job);
}

Status JobStore::save(const JobInfo& job) {
  store::Value error;
  if (!job.error.ok()) error = json_text(status_to_json(job.error));
  store::Value output;
  if (!job.output_xxh128.empty())
    output = json_text(nlohmann::json{{"xxh128", job.output_xxh128}, {"bytes", job.output_bytes}});
  return db_->transaction([&]() -> Status {
    FL_RETURN_IF_ERROR(db_->exec(
        "UPDATE jobs SET state = ?, frames_done = ?, error = ?, finished = ?, cancel_requested = "
        "?, output = ?, warnings = ?, review = ? WHERE id = ?",
        {std::string(job_state_name(job.state)), job.frames_done, error, job.finished,
         int64_t(job.cancel_requested), output,
         job.warnings.empty() ? store::Value()
                              : store::Value(json_text(nlohmann::json(job.warnings))),
         job.review.empty() ? store::Value() : store::Value(job.review), job.id}));
    // A final job has no segments left to resume from (its files went with the join).
    if (!is_final(job.state)) return ok_status();
    return db_->exec("DELETE FROM job_segments WHERE job = ?", {job.id});
  });
}

Status JobStore::set_watermark_record(const std::string& id, int64_t record) {
  return db_->exec("UPDATE jobs SET watermark = ? WHERE id = ?", {std::to_string(record), id});
}

Status JobStore::remove(const std::string& id) {
  FL_RETURN_IF_ERROR(db_->exec("DELETE FROM job_segments WHERE job = ?", {id}));
  return db_->exec("DELETE FROM jobs WHERE id = ?", {id});
}

Status JobStore::request_cancel(const std::string& id) {
  return db_->exec("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", {id});
}

Result<std::vector<std::string>> JobStore::recover(double now) {
  FL_RETURN_IF_ERROR(db_->exec(
      "UPDATE jobs SET state = 'cancelled', finished = ? WHERE state IN ('running', 'queued') AND "
      "cancel_requested = 1",
      {now}));
  FL_RETURN_IF_ERROR(db_->exec("UPDATE jobs SET state = 'queued' WHERE state = 'running'"));
  FL_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT id FROM jobs WHERE state = 'queued'"));
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.text(0));
  return ids;
}

Result<std::set<int64_t>> JobStore::segments(const std::string& id) const {
  FL_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT idx FROM job_segments WHERE job = ?", {id}));
  std::set<int64_t> out;
  for (const auto& r : rows) out.insert(r.integer(0));
  return out;
}

Status JobStore::commit_segment(const std::string& id, int64_t index, int64_t frames_done) {
  return db_->transaction([&]() -> Status {
    FL_RETURN_IF_ERROR(
        db_->exec("INSERT OR REPLACE INTO job_segments(job, idx) VALUES(?, ?)", {id, index}));
    return db_->exec("UPDATE jobs SET frames_done = ? WHERE id = ?", {frames_done, id});
  });
}

}  // namespace fl::service
