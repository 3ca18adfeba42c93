#include "io/timeline/edl.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/text.h"

namespace fl::io {
namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    if (i == s.size()) break;
    size_t start = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  }
  return out;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == prefix;
}

int nominal_fps(Rational r) { return int(std::lround(r.to_double())); }

bool is_drop_rate(Rational r) { return r == Rational{30000, 1001} || r == Rational{60000, 1001}; }

// Frames dropped per minute (except every tenth) by drop-frame timecode; 0 when it has none.
int drop_per_minute(int fps) { return fps == 30 ? 2 : fps == 60 ? 4 : 0; }

// nullptr when `tc` is a valid timecode at `fps`; otherwise why not.
const char* parse_tc(std::string_view tc, int fps, bool drop_frame, int64_t& out) {
  int64_t field[4] = {0, 0, 0, 0};
  size_t pos = 0;
  for (int f = 0; f < 4; ++f) {
    size_t start = pos;
    while (pos < tc.size() && tc[pos] >= '0' && tc[pos] <= '9') ++pos;
    size_t digits = pos - start;
    if (digits == 0 || digits > (f == 0 ? 9u : 2u) || (f > 0 && digits != 2)) return "";
    std::from_chars(tc.data() + start, tc.data() + pos, field[f]);
    if (f < 3) {
      if (pos == tc.size()) return "";
      char sep = tc[pos++];
      if (sep == ';' && f == 2) {
        drop_frame = true;
      } else if (sep != ':') {
        return "";
      }
    }
  }
  if (pos != tc.size()) return "";
  const int64_t hh = field[0], mm = field[1], ss = field[2], ff = field[3];
  if (mm > 59 || ss > 59) return "";
  if (ff >= fps) return " (frame number too large for the frame rate)";
  int64_t frames = ((hh * 60 + mm) * 60 + ss) * fps + ff;
  if (drop_frame) {
    const int drop = drop_per_minute(fps);
    if (drop == 0) return " (drop-frame timecode needs 29.97 or 59.94 fps)";
    if (ss == 0 && ff < drop && mm % 10 != 0) return " (a frame that drop-frame timecode skips)";
    const int64_t minutes = hh * 60 + mm;
    frames -= drop * (minutes - minutes / 10);
  }
  out = frames;
  return nullptr;
}

struct Event {
  TimelineClip clip;
  size_t line = 0;
  bool gap = false;         // a black ("BL") event
  bool transition = false;  // dissolve or wipe: its TO CLIP NAME is the clip's name
  std::string from_name, to_name, source_file;
  int64_t record_in = 0;  // absolute, as written
};

class EdlParser {
 public:
  EdlParser(std::string_view text, std::string_view name, const std::string& base_dir,
            Rational hint)
      : text_(text), name_(name), base_dir_(base_dir), hint_(hint) {}

  Result<Timeline> run() {
    if (hint_.num < 0 || hint_.den <= 0 ||
        (hint_.num > 0 && (hint_.to_double() < 1 || hint_.to_double() > 1000))) {
      return invalid_argument(std::string(name_) + ": frame rate " + std::to_string(hint_.num) +
                              "/" + std::to_string(hint_.den) + " is out of range");
    }
    // Lines end in LF, CRLF or (old Mac exports) a lone CR.
    size_t pos = 0;
    while (pos < text_.size()) {
      size_t eol = text_.find_first_of("\r\n", pos);
      if (eol == std::string_view::npos) eol = text_.size();
      ++line_no_;
      FL_RETURN_IF_ERROR(line(trim(text_.substr(pos, eol - pos))));
      pos = eol + (text_.compare(eol, 2, "\r\n") == 0 ? 2 : 1);
    }
    return finish();
  }

 private:
  Status error(const std::string& message, size_t line = 0) const {
    return corrupt_data(std::string(name_) + ": line " + std::to_string(line ? line : line_no_) +
                        ": " + message);
  }

  void warn_once(const std::string& message) {
    if (std::find(out_.warnings.begin(), out_.warnings.end(), message) == out_.warnings.end())
      out_.warnings.push_back(message);
  }

  Status line(std::string_view s) {
    if (s.empty()) return ok_status();
    if (s[0] == '*') return comment(trim(s.substr(1)));
    if (starts_with_nocase(s, "TITLE:")) {
      out_.name = trim(s.substr(6));
      return ok_status();
    }
    if (starts_with_nocase(s, "FCM:")) {
      std::string mode = upper(trim(s.substr(4)));
      if (mode.find("NON") != std::string::npos) {
        fcm_drop_ = false;
      } else if (mode.find("DROP") != std::string::npos) {
        fcm_drop_ = true;
      } else {
        return error("FCM '" + std::string(trim(s.substr(4))) +
                     "': expected DROP FRAME or NON-DROP FRAME");
      }
      return ok_status();
    }
    if (s[0] >= '0' && s[0] <= '9') return event(s);
    if (starts_with_nocase(s, "M2")) warn_once("speed changes (M2) are not supported");
    // Other lines (SPLIT:, LOC:, vendor notes) carry nothing a conform of one track needs.
    return ok_status();
  }

  Status comment(std::string_view c) {
    if (current_ < 0) return ok_status();  // belongs to a skipped or no event
    Event& e = events_[size_t(current_)];
    auto value = [&](size_t prefix) { return std::string(trim(c.substr(prefix))); };
    if (starts_with_nocase(c, "FROM CLIP NAME:")) {
      e.from_name = value(15);
    } else if (starts_with_nocase(c, "TO CLIP NAME:")) {
      e.to_name = value(13);
    } else if (starts_with_nocase(c, "SOURCE FILE:")) {
      e.source_file = value(12);
    } else if (starts_with_nocase(c, "ASC_SOP")) {
      return asc_sop(e, c.substr(7));
    } else if (starts_with_nocase(c, "ASC_SAT")) {
      return asc_sat(e, c.substr(7));
    }
    return ok_status();
  }

  Status number(std::string_view tok, const char* what, bool non_negative, double& out) const {
    std::string_view t = tok;
    if (t.size() > 1 && t[0] == '+' && t[1] != '-') t.remove_prefix(1);
    auto r = std::from_chars(t.data(), t.data() + t.size(), out);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(out))
      return error(std::string(what) + " value '" + std::string(tok) + "' is not a finite number");
    if (non_negative && out < 0)
      return error(std::string(what) + " value '" + std::string(tok) + "' is negative");
    return ok_status();
  }

  // What follows ASC_SOP or ASC_SAT, as NLEs write it: "(1 1 1)(0 0 0)(1 1 1)", ": (...)",
  // "(1.0,1.0,1.0)": the numbers alone, separated by spaces.
  static std::string asc_numbers(std::string_view rest) {
    rest = trim(rest);
    if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
    std::string flat(rest);
    for (char& ch : flat)
      if (ch == '(' || ch == ')' || ch == ',') ch = ' ';
    return flat;
  }

  Status asc_sop(Event& e, std::string_view rest) {
    const std::string flat = asc_numbers(rest);
    std::vector<std::string_view> tok = split(flat);
    if (tok.size() != 9) {
      return error("ASC_SOP needs 9 numbers, (slope)(offset)(power), found " +
                   std::to_string(tok.size()));
    }
    ClipCdl& cdl = e.clip.cdl ? *e.clip.cdl : e.clip.cdl.emplace();
    std::array<double, 3>* groups[3] = {&cdl.slope, &cdl.offset, &cdl.power};
    for (size_t i = 0; i < 9; ++i) {
      FL_RETURN_IF_ERROR(number(tok[i], "ASC_SOP", i / 3 != 1, (*groups[i / 3])[i % 3]));
    }
    return ok_status();
  }

  Status asc_sat(Event& e, std::string_view rest) {
    const std::string flat = asc_numbers(rest);
    std::vector<std::string_view> tok = split(flat);
    if (tok.size() != 1)
      return error("ASC_SAT needs 1 number, found " + std::to_string(tok.size()));
    ClipCdl& cdl = e.clip.cdl ? *e.clip.cdl : e.clip.cdl.emplace();
    return number(tok[0], "ASC_SAT", true, cdl.saturation);
  }

  // The largest frame field of any timecode-shaped word in the EDL (HH:MM:SS:FF or ;FF).
  int max_frame_field() const {
    int most = 0;
    for (size_t i = 0; i + 11 <= text_.size(); ++i) {
      const std::string_view w = text_.substr(i, 11);
      auto digit = [&](size_t k) { return w[k] >= '0' && w[k] <= '9'; };
      if (digit(0) && digit(1) && w[2] == ':' && digit(3) && digit(4) && w[5] == ':' && digit(6) &&
          digit(7) && (w[8] == ':' || w[8] == ';') && digit(9) && digit(10) &&
          (i + 11 == text_.size() || !(text_[i + 11] >= '0' && text_[i + 11] <= '9')))
        most = std::max(most, (w[9] - '0') * 10 + (w[10] - '0'));
    }
    return most;
  }

  // The rate every timecode is counted in, fixed by the first event.
  Status choose_rate(bool drop_frame) {
    const bool known = hint_.num > 0;
    Rational rate = known ? timeline_detail::reduce(hint_) : Rational{24, 1};
    if (drop_frame && !is_drop_rate(rate)) {
      Rational df =
          known && nominal_fps(rate) >= 45 ? Rational{60000, 1001} : Rational{30000, 1001};
      if (known) {
        warn_once("drop-frame timecode: using " + std::to_string(df.num) + "/1001 fps, not " +
                  std::to_string(rate.num) + "/" + std::to_string(rate.den));
      }
      rate = df;
    } else if (!known) {
      // Frame fields up to 24 or 29 say the rate is at least 25 or 30: counting them at 24 would
      // refuse the EDL before its media's rate can be read (the source adopts that rate and
      // parses again).
      const int least = max_frame_field() + 1;
      for (int fps : {24, 25, 30, 48, 50, 60})
        if (fps >= least) {
          rate = {fps, 1};
          break;
        }
      warn_once("the EDL does not give a frame rate; assuming " + std::to_string(rate.num) +
                " fps");
    }
    out_.rate = rate;
    out_.drop_frame = drop_frame;
    rate_chosen_ = true;
    return ok_status();
  }

  Status event(std::string_view s) {
    current_ = -1;
    std::vector<std::string_view> tok = split(s);
    if (tok.size() < 8 || tok.size() > 10) {
      return error(
          "expected an event 'NNN REEL TRACK TYPE [DURATION] SOURCE-IN SOURCE-OUT RECORD-IN "
          "RECORD-OUT', found " +
          std::to_string(tok.size()) + " fields");
    }
    for (char c : tok[0]) {
      if (c < '0' || c > '9')
        return error("event number '" + std::string(tok[0]) + "' is not a number");
    }
    const std::string track = upper(tok[2]);
    if (track.find('V') == std::string::npos && track != "B") {
      warn_once("audio events are skipped");
      return ok_status();
    }
    if (track.size() >= 2 && track[0] == 'V' && track != "V1") {
      warn_once("only the first video track (V) is used; events on " + track.substr(0, 16) +
                " are skipped");
      return ok_status();
    }
    const std::string type = upper(tok[3]);
    Event e;
    e.line = line_no_;
    if (type == "D" || type[0] == 'W' || type[0] == 'K') {
      e.transition = true;
      warn_once(std::string(type == "D"      ? "dissolves"
                            : type[0] == 'W' ? "wipes"
                                             : "keys") +
                " are treated as cuts");
    } else if (type != "C") {
      return error("unknown edit type '" + std::string(tok[3]) + "'");
    }
    const size_t n = tok.size();
    const std::string_view tcs[4] = {tok[n - 4], tok[n - 3], tok[n - 2], tok[n - 1]};
    bool semicolon = false;
    for (std::string_view t : tcs) semicolon = semicolon || t.find(';') != std::string_view::npos;
    if (!rate_chosen_) FL_RETURN_IF_ERROR(choose_rate(fcm_drop_ || semicolon));
    int64_t v[4];
    for (int i = 0; i < 4; ++i) {
      const char* why = parse_tc(tcs[i], nominal_fps(out_.rate), fcm_drop_, v[i]);
      if (why) return error("bad timecode '" + std::string(tcs[i]) + "'" + why);
    }
    if (v[1] < v[0]) return error("source out is before source in");
    if (v[3] < v[2]) return error("record out is before record in");
    if (v[3] - v[2] != v[1] - v[0]) {
      return error("record duration (" + std::to_string(v[3] - v[2]) +
                   " frames) differs from source duration (" + std::to_string(v[1] - v[0]) +
                   " frames); speed changes are not supported");
    }
    if (v[1] == v[0]) return ok_status();  // the outgoing half of a dissolve: nothing shown
    const std::string reel = upper(tok[1]);
    e.gap = reel == "BL" || reel == "BLK" || reel == "BLACK";
    e.clip.reel = std::string(tok[1]);
    e.clip.source_in = v[0];
    e.clip.source_out = v[1];
    e.record_in = v[2];
    events_.push_back(std::move(e));
    current_ = int64_t(events_.size()) - 1;
    return ok_status();
  }

  Result<Timeline> finish() {
    if (!rate_chosen_) FL_RETURN_IF_ERROR(choose_rate(fcm_drop_));
    if (out_.name.empty()) {
      std::string_view stem = name_.substr(name_.find_last_of('/') + 1);
      out_.name = stem.substr(0, stem.rfind('.'));
    }
    std::stable_sort(events_.begin(), events_.end(),
                     [](const Event& a, const Event& b) { return a.record_in < b.record_in; });
    out_.start = events_.empty() ? 0 : events_.front().record_in;
    int64_t end = out_.start;
    for (Event& e : events_) {
      if (e.record_in < end) {
        return error("record in " + frames_to_timecode(e.record_in, out_.rate, out_.drop_frame) +
                         " overlaps the previous event, which ends at " +
                         frames_to_timecode(end, out_.rate, out_.drop_frame),
                     e.line);
      }
      end = e.record_in + e.clip.duration();
      if (e.gap) {
        warn_once("black (BL) events are gaps");
        continue;
      }
      TimelineClip& c = e.clip;
      c.record_in = e.record_in - out_.start;
      c.name = e.transition && !e.to_name.empty() ? e.to_name : e.from_name;
      const std::string& media = !e.source_file.empty() ? e.source_file : c.name;
      if (!media.empty()) c.path = timeline_detail::resolve_path(media, base_dir_);
      out_.clips.push_back(std::move(c));
    }
    if (out_.clips.empty()) out_.start = 0;  // nothing to place: black alone has no timecode
    return std::move(out_);
  }

  std::string_view text_, name_;
  const std::string& base_dir_;
  Rational hint_;
  size_t line_no_ = 0;
  bool fcm_drop_ = false, rate_chosen_ = false;
  std::vector<Event> events_;
  int64_t current_ = -1;  // index of the event that comments attach to
  Timeline out_;
};

// One line of text, no blanks at either end (the parser trims them).
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(out));
}

std::string reel_for(const std::string& reel) {
  std::string out;
  for (char c : reel) out += is_blank(c) || c == '\n' ? '_' : c;
  std::string up = upper(out);
  // A clip on a reel named like black would read back as a gap.
  if (out.empty() || up == "BL" || up == "BLK" || up == "BLACK") return "AX";
  return out;
}

void append_event(std::string& out, size_t number, const std::string& reel, int64_t src_in,
                  int64_t src_out, int64_t rec_in, const Timeline& t) {
  char num[32];
  std::snprintf(num, sizeof num, "%03zu", number);
  std::string reel_field = reel;
  if (reel_field.size() < 8) reel_field.resize(8, ' ');
  out += std::string(num) + "  " + reel_field + " V     C        " +
         frames_to_timecode(src_in, t.rate, t.drop_frame) + " " +
         frames_to_timecode(src_out, t.rate, t.drop_frame) + " " +
         frames_to_timecode(t.start + rec_in, t.rate, t.drop_frame) + " " +
         frames_to_timecode(t.start + rec_in + (src_out - src_in), t.rate, t.drop_frame) + "\n";
}

}  // namespace

std::optional<int64_t> timecode_to_frames(std::string_view timecode, Rational rate,
                                          bool drop_frame) {
  if (rate.num <= 0 || rate.den <= 0 || nominal_fps(rate) < 1) return std::nullopt;
  int64_t frames = 0;
  if (parse_tc(trim(timecode), nominal_fps(rate), drop_frame, frames)) return std::nullopt;
  return frames;
}

std::string frames_to_timecode(int64_t frames, Rational rate, bool drop_frame) {
  const int fps = std::max(1, rate.den > 0 ? nominal_fps(rate) : 24);
  std::string sign = frames < 0 ? "-" : "";
  if (frames < 0) frames = -frames;
  const int drop = drop_frame && is_drop_rate(rate) ? drop_per_minute(fps) : 0;
  if (drop) {
    const int64_t per_10min = int64_t(fps) * 600 - drop * 9;
    const int64_t per_min = int64_t(fps) * 60 - drop;
    const int64_t tens = frames / per_10min, rem = frames % per_10min;
    frames += drop * 9 * tens + (rem > drop ? drop * ((rem - drop) / per_min) : 0);
  }
  const int64_t ff = frames % fps, secs = frames / fps;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%02lld:%02lld:%02lld%c%02lld", sign.c_str(),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), drop ? ';' : ':', static_cast<long long>(ff));
  return buf;
}

Result<Timeline> parse_edl(std::string_view text, std::string_view name,
                           const std::string& base_dir, Rational rate_hint) {
  return EdlParser(text, name, base_dir, rate_hint).run();
}

std::string write_edl(const Timeline& t) {
  std::string out = "TITLE: " + one_line(t.name) + "\n";
  out += t.drop_frame && is_drop_rate(t.rate) ? "FCM: DROP FRAME\n\n" : "FCM: NON-DROP FRAME\n\n";
  size_t number = 0;
  int64_t end = 0;
  for (const TimelineClip& c : t.clips) {
    if (c.record_in > end) append_event(out, ++number, "BL", 0, c.record_in - end, end, t);
    append_event(out, ++number, reel_for(c.reel), c.source_in, c.source_out, c.record_in, t);
    end = c.record_out();
    if (std::string name = one_line(c.name); !name.empty())
      out += "* FROM CLIP NAME: " + name + "\n";
    if (std::string path = one_line(c.path); !path.empty()) out += "* SOURCE FILE: " + path + "\n";
    if (c.cdl) {
      auto group = [](const std::array<double, 3>& v) {
        return "(" + timeline_detail::format_number(v[0]) + " " +
               timeline_detail::format_number(v[1]) + " " + timeline_detail::format_number(v[2]) +
               ")";
      };
      out += "*ASC_SOP " + group(c.cdl->slope) + group(c.cdl->offset) + group(c.cdl->power) + "\n";
      out += "*ASC_SAT " + timeline_detail::format_number(c.cdl->saturation) + "\n";
    }
  }
  return out;
}

}  // namespace fl::io
