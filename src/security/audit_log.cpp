#include "security/audit_log.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/file_util.h"
#include "core/json_text.h"
#include "core/output_pipeline.h"
#include "core/text_encoding.h"
#include "security/token_store.h"

namespace fl::security {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kZeroHash(64, '0');
constexpr std::string_view kHashPrefix = "{\"hash\":\"";
constexpr std::string_view kSignedContext = "framelock-audit-checkpoint:v1\n";

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string iso_time(double t) {
  const std::time_t secs = std::time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                int((t - double(secs)) * 1000) % 1000);
  return buf;
}

std::string file_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "audit-%06d.jsonl", index);
  return buf;
}

// The log's files, in order.
std::vector<fs::path> log_files(const std::string& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.size() == 18 && n.rfind("audit-", 0) == 0 && n.substr(12) == ".jsonl")
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A record's line is {"hash":"H",<the rest of body>} where body is the compact JSON of
// {event, prev, seq, time} and H its SHA-256: the hash covers the exact bytes, no re-encoding.
std::string make_line(const json& body_object, std::string* hash) {
  const std::string body = json_text(body_object);
  *hash = sha256_hex(body);
  return std::string(kHashPrefix) + *hash + "\"," + body.substr(1) + "\n";
}

// The body of a line and its stated hash, or nullopt when the line is not in that form.
struct ParsedLine {
  std::string stated_hash;
  std::string body;
  json record;
};
std::optional<ParsedLine> parse_line(std::string_view line) {
  if (line.size() < kHashPrefix.size() + 66 || line.substr(0, kHashPrefix.size()) != kHashPrefix)
    return std::nullopt;
  ParsedLine p;
  p.stated_hash = std::string(line.substr(kHashPrefix.size(), 64));
  if (line.substr(kHashPrefix.size() + 64, 2) != "\",") return std::nullopt;
  p.body = "{" + std::string(line.substr(kHashPrefix.size() + 66));
  p.record = json::parse(p.body, nullptr, false);
  if (!p.record.is_object()) return std::nullopt;
  return p;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string key_id_of(EVP_PKEY* key) {
  unsigned char raw[32];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) return "";
  return sha256_hex(std::string_view(reinterpret_cast<char*>(raw), len)).substr(0, 16);
}

std::optional<std::string> unbase64(const std::string& text) {
  std::string out(text.size(), '\0');
  const int len =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (len < 0) return std::nullopt;
  size_t pad = 0;
  while (pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  out.resize(size_t(len) - pad);
  return out;
}

std::string signed_message(int64_t seq, const std::string& time, const std::string& head) {
  return std::string(kSignedContext) + std::to_string(seq) + "\n" + time + "\n" + head;
}

Pkey load_public_pem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  Pkey key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, size_t(n));
  BIO_free(bio);
  return out;
}

Result<Pkey> load_or_make_key(const std::string& path) {
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    Pkey key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
      return corrupt_data("the audit key " + path + " is not an Ed25519 private key");
    return key;
  }
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return internal_error("cannot make an Ed25519 key");
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return permission_denied("cannot write the audit key " + path);
  FILE* f = ::fdopen(fd, "wb");
  const bool written =
      f && PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  if (f) {
    std::fflush(f);
    ::fsync(::fileno(f));
    std::fclose(f);
  }
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return io_error("cannot write the audit key " + path);
  }
  FL_RETURN_IF_ERROR(OutputPipeline::plain().write_file(
      {fs::path(path).replace_extension(".pub").string(), OutputKind::kReport, "audit key", {}},
      public_pem(key.get())));
  return key;
}

Status write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(std::string("audit log write failed: ") + std::strerror(errno));
    }
    bytes.remove_prefix(size_t(n));
  }
  if (::fdatasync(fd) != 0)
    return io_error(std::string("audit log sync failed: ") + std::strerror(errno));
  return ok_status();
}

}  // namespace

struct AuditLog::Impl {
  AuditOptions options;
  Pkey key;
  std::string key_id;
  mutable std::mutex mu;
  AuditHead head;
  int file_index = 1;
  int fd = -1;
  int lock_fd = -1;  // audit/.lock: one writer at a time across processes (the CLI beside serve)
  int64_t file_bytes = 0;
  int64_t unsigned_records = 0;
  double last_checkpoint = 0;

  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (lock_fd >= 0) ::close(lock_fd);
  }

  // Another process may have appended since we last wrote: take the head from the disk.
  Status sync_with_disk() {
    const auto files = log_files(options.dir);
    if (files.empty()) return ok_status();
    const fs::path last = files.back();
    const int index = std::stoi(last.filename().string().substr(6, 6));
    std::error_code ec;
    const int64_t size = int64_t(fs::file_size(last, ec));
    if (index == file_index && size == file_bytes && fd >= 0) return ok_status();
    FL_ASSIGN_OR_RETURN(const std::string text, read_text_file(last.string()));
    AuditHead h = head;
    int64_t unsigned_count = 0;
    size_t start = 0;
    while (start < text.size()) {
      const size_t nl = text.find('\n', start);
      if (nl == std::string::npos) break;
      auto p = parse_line(std::string_view(text).substr(start, nl - start));
      if (!p) return corrupt_data("the audit log " + last.string() + " holds a malformed record");
      h = {p->record.value("seq", int64_t(0)), p->stated_hash, p->record.value("time", "")};
      unsigned_count =
          p->record["event"].value("type", "") == "checkpoint" ? 0 : unsigned_count + 1;
      start = nl + 1;
    }
    head = h;
    unsigned_records = unsigned_count;
    if (index != file_index || fd < 0) {
      file_index = index;
      FL_RETURN_IF_ERROR(open_file());
    }
    file_bytes = size;
    return ok_status();
  }

  Status open_file() {
    if (fd >= 0) ::close(fd);
    const std::string path = (fs::path(options.dir) / file_name(file_index)).string();
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return permission_denied("cannot open the audit log " + path);
    struct stat st {};
    ::fstat(fd, &st);
    file_bytes = st.st_size;
    // The new file's name must be durable too, or a crash could lose it whole.
    const int dfd = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return ok_status();
  }

  // Runs `work` holding the log's lock (flock is per open file description: held only while a
  // record is written).
  template <class Work>
  auto locked(Work work) -> decltype(work()) {
    while (::flock(lock_fd, LOCK_EX) != 0)
      if (errno != EINTR) return io_error("cannot lock the audit log");
    auto r = work();
    ::flock(lock_fd, LOCK_UN);
    return r;
  }

  Result<AuditHead> append_locked(json event) {
    return locked([&] { return append_exclusive(std::move(event)); });
  }

  Result<AuditHead> append_exclusive(json event) {
    FL_RETURN_IF_ERROR(sync_with_disk());
    const double t = now_seconds();
    json body = {{"seq", head.seq + 1},
                 {"time", iso_time(t)},
                 {"prev", head.hash},
                 {"event", std::move(event)}};
    std::string hash;
    const std::string line = make_line(body, &hash);
    if (file_bytes > 0 && file_bytes + int64_t(line.size()) > options.max_file_bytes) {
      ++file_index;
      FL_RETURN_IF_ERROR(open_file());
    }
    FL_RETURN_IF_ERROR(write_fully(fd, line));
    file_bytes += int64_t(line.size());
    head = {head.seq + 1, hash, body["time"].get<std::string>()};
    return head;
  }

  Status checkpoint_locked() {
    return locked([&] { return checkpoint_exclusive(); });
  }

  // The head it signs is the one on disk now, with the lock held until it is appended.
  Status checkpoint_exclusive() {
    FL_RETURN_IF_ERROR(sync_with_disk());
    if (head.seq == 0 || unsigned_records == 0) return ok_status();  // nothing new to sign
    const std::string time = iso_time(now_seconds());
    const std::string msg = signed_message(head.seq, time, head.hash);
    unsigned char sig[64];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok =
        ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key.get()) == 1 &&
        EVP_DigestSign(ctx, sig, &sig_len, reinterpret_cast<const unsigned char*>(msg.data()),
                       msg.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return internal_error("signing the audit checkpoint failed");
    FL_ASSIGN_OR_RETURN(
        auto h,
        append_exclusive({{"type", "checkpoint"},
                          {"signed_seq", head.seq},
                          {"signed_head", head.hash},
                          {"signed_time", time},
                          {"key", key_id},
                          {"every", options.checkpoint_every_records},
                          {"signature", base64_encode(std::string_view(
                                            reinterpret_cast<const char*>(sig), sig_len))}}));
    (void)h;
    unsigned_records = 0;
    last_checkpoint = now_seconds();
    return ok_status();
  }
};

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AuditLog::~AuditLog() {
  std::lock_guard lock(impl_->mu);
  if (impl_->unsigned_records > 0) (void)impl_->checkpoint_locked();
}

AuditOptions audit_options_for(const std::string& data_dir) {
  AuditOptions o;
  o.dir = data_dir + "/audit";
  o.key_path = data_dir + "/keys/audit-ed25519.key";
  return o;
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(AuditOptions options) {
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return permission_denied("cannot create the audit directory " + options.dir);
  ::chmod(options.dir.c_str(), 0700);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  FL_ASSIGN_OR_RETURN(impl->key, load_or_make_key(options.key_path));
  impl->key_id = key_id_of(impl->key.get());
  impl->head = {0, kZeroHash, ""};

  const std::string lock_path = (fs::path(options.dir) / ".lock").string();
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (impl->lock_fd < 0) return permission_denied("cannot open " + lock_path);
  // Under the lock, a last line with no end is a writer that died, not one still writing.
  while (::flock(impl->lock_fd, LOCK_EX) != 0)
    if (errno != EINTR) return io_error("cannot lock the audit log");
  struct Unlock {
    int fd;
    ~Unlock() { ::flock(fd, LOCK_UN); }
  } unlock{impl->lock_fd};
  json recovery;
  const auto files = log_files(options.dir);
  if (!files.empty()) {
    const fs::path last = files.back();
    FL_ASSIGN_OR_RETURN(std::string text, read_text_file(last.string()));
    size_t end = text.size();
    if (!text.empty() && text.back() != '\n') {
      // An append cut short by a crash: never synced, so never acknowledged. Cut it off.
      end = text.rfind('\n');
      end = end == std::string::npos ? 0 : end + 1;
      if (::truncate(last.c_str(), off_t(end)) != 0)
        return io_error("cannot repair the audit log's torn last record in " + last.string());
      recovery = {{"type", "recovery"},
                  {"file", last.filename().string()},
                  {"truncated_bytes", int64_t(text.size() - end)}};
    }
  }
  impl->last_checkpoint = now_seconds();
  impl->file_bytes = -1;  // unknown: the first sync reads the head
  FL_RETURN_IF_ERROR(impl->sync_with_disk());
  if (impl->fd < 0) FL_RETURN_IF_ERROR(impl->open_file());
  if (!recovery.is_null()) FL_RETURN_IF_ERROR(impl->append_exclusive(std::move(recovery)).status());
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(impl)));
}

Result<AuditHead> AuditLog::append(json event) {
  if (!event.is_object() || !event.contains("type"))
    return invalid_argument("an audit event is an object with a type");
  std::lock_guard lock(impl_->mu);
  FL_ASSIGN_OR_RETURN(AuditHead h, impl_->append_locked(std::move(event)));
  ++impl_->unsigned_records;
  if (impl_->unsigned_records >= impl_->options.checkpoint_every_records ||
      now_seconds() - impl_->last_checkpoint >= double(impl_->options.checkpoint_every_seconds))
    FL_RETURN_IF_ERROR(impl_->checkpoint_locked());
  return h;
}

AuditHead AuditLog::head() const {
  std::lock_guard lock(impl_->mu);
  return impl_->head;
}

Status AuditLog::checkpoint() {
  std::lock_guard lock(impl_->mu);
  return impl_->checkpoint_locked();
}

std::string AuditLog::public_key_pem() const { return public_pem(impl_->key.get()); }
std::string AuditLog::key_id() const { return impl_->key_id; }

Result<AuditVerifyReport> verify_audit_log(const std::string& dir,
                                           const std::string& public_key_pem) {
  const auto files = log_files(dir);
  if (files.empty()) return not_found("no audit log in " + dir);
  AuditVerifyReport r;
  std::string pem = public_key_pem;
  if (pem.empty()) {
    FL_ASSIGN_OR_RETURN(
        pem, read_text_file((fs::path(dir).parent_path() / "keys" / "audit-ed25519.pub").string()));
    r.warnings.push_back(
        "checked against the key beside the log: pin the public key elsewhere and pass --key "
        "for a check that a stolen data directory cannot pass");
  }
  Pkey key = load_public_pem(pem);
  if (!key) return invalid_argument("the audit public key is not a PEM public key", "key");
  const std::string want_key_id = key_id_of(key.get());
  r.head = {0, kZeroHash, ""};
  int64_t unsigned_run = 0, every = 0;
  auto bad = [&](const fs::path& f, size_t line, const std::string& what) {
    r.ok = false;
    r.first_bad = "record " + std::to_string(r.head.seq + 1) + " (" + f.filename().string() +
                  " line " + std::to_string(line) + "): " + what;
    return r;
  };
  for (size_t fi = 0; fi < files.size(); ++fi) {
    // An unreadable file is an error, never a log that merely looks shorter.
    FL_ASSIGN_OR_RETURN(const std::string text, read_text_file(files[fi].string()));
    size_t start = 0, line_no = 0;
    while (start < text.size()) {
      ++line_no;
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) {
        if (fi + 1 == files.size()) {
          r.warnings.push_back(
              "the last record is incomplete (an append cut short); the server "
              "cuts it off at its next start");
          break;
        }
        return bad(files[fi], line_no, "a record cut short in the middle of the log");
      }
      auto p = parse_line(std::string_view(text).substr(start, nl - start));
      start = nl + 1;
      if (!p) return bad(files[fi], line_no, "not a record");
      if (sha256_hex(p->body) != p->stated_hash)
        return bad(files[fi], line_no, "its hash does not match its content (edited)");
      const json& rec = p->record;
      if (!rec.contains("seq") || !rec["seq"].is_number_integer() ||
          rec["seq"].get<int64_t>() != r.head.seq + 1)
        return bad(files[fi], line_no,
                   "its sequence number is " + (rec.contains("seq") ? json_text(rec["seq"]) : "?") +
                       " (a record deleted, inserted or moved)");
      if (rec.value("prev", std::string()) != r.head.hash)
        return bad(files[fi], line_no,
                   "it does not follow the record before it (a record deleted, inserted or moved)");
      const json& ev = rec.contains("event") ? rec["event"] : json();
      if (ev.is_object() && ev.value("type", "") == "checkpoint") {
        const std::string time = ev.value("signed_time", "");
        const int64_t seq = ev.value("signed_seq", int64_t(-1));
        const std::string head = ev.value("signed_head", "");
        if (seq != r.head.seq || head != r.head.hash)
          return bad(files[fi], line_no, "a checkpoint that signs another head");
        if (ev.value("key", "") != want_key_id)
          return bad(files[fi], line_no,
                     "a checkpoint signed with another key (" + ev.value("key", "") +
                         ", expected " + want_key_id + ")");
        auto sig = unbase64(ev.value("signature", ""));
        const std::string msg = signed_message(seq, time, head);
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        const bool good =
            sig && ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                             reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
        EVP_MD_CTX_free(ctx);
        if (!good) return bad(files[fi], line_no, "a checkpoint whose signature does not verify");
        ++r.checkpoints;
        r.signed_through = seq;
        every = ev.value("every", int64_t(0));
        unsigned_run = 0;
      } else {
        ++unsigned_run;
      }
      // A chain rewritten without the key has no valid checkpoint: a long unsigned run is one.
      const int64_t allowed = every > 0 ? every + 2 : 1002;
      if (unsigned_run > allowed)
        return bad(files[fi], line_no,
                   "more than " + std::to_string(allowed) + " records with no signed checkpoint");
      r.head = {rec["seq"].get<int64_t>(), p->stated_hash, rec.value("time", "")};
      ++r.records;
    }
  }
  r.ok = true;
  return r;
}

std::optional<double> parse_audit_time(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789.") == std::string::npos) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !(v >= 0 && v < 1e12)) return std::nullopt;
    return v;
  }
  std::tm tm{};
  int ms = 0;
  const int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms);
  if (n < 3) return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return double(timegm(&tm)) + (n == 7 ? ms / 1000.0 : 0.0);
}

Result<std::vector<json>> read_audit_log(const std::string& dir, const AuditFilter& filter,
                                         bool* more) {
  std::vector<json> out;
  if (more) *more = false;
  for (const auto& f : log_files(dir)) {
    FL_ASSIGN_OR_RETURN(const std::string text, read_text_file(f.string()));
    size_t start = 0;
    while (start < text.size()) {
      const size_t nl = text.find('\n', start);
      if (nl == std::string::npos) break;
      auto p = parse_line(std::string_view(text).substr(start, nl - start));
      start = nl + 1;
      if (!p) continue;
      json& rec = p->record;
      if (rec.value("seq", int64_t(0)) <= filter.after_seq) continue;
      const auto t = parse_audit_time(rec.value("time", ""));
      if (filter.since && (!t || *t < *filter.since)) continue;
      if (filter.until && (!t || *t > *filter.until)) continue;
      const json& ev = rec["event"];
      if (!filter.type.empty() && ev.value("type", "") != filter.type) continue;
      if (!filter.project.empty() && ev.value("project", "") != filter.project) continue;
      if (!filter.principal.empty() && !(ev.contains("principal") && ev["principal"].is_object() &&
                                         ev["principal"].value("id", "") == filter.principal))
        continue;
      if (out.size() == filter.limit) {
        if (more) *more = true;
        return out;
      }
      rec["hash"] = p->stated_hash;
      out.push_back(std::move(rec));
    }
  }
  return out;
}

}  // namespace fl::security
