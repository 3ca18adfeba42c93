// Where an output is written before it is complete, and whether it can be written at all.
// Every sink uses these, so "nothing half-written" means the same thing for every format.
#pragma once

#include <string>

#include "framelock/status.h"

namespace fl {

// `<dir>/.<name>.tmp-<pid>-<n><ext>`: hidden, unique per process and call, on the same
// filesystem as the final path (so rename() is atomic), and still ending in the real extension
// so writers that pick a format by extension pick the right one.
std::string temp_path_beside(const std::string& final_path);

// The directory must exist and take new files now, not after an hour of rendering. Errors name
// both the directory and `for_path`.
Status check_output_directory(const std::string& dir, const std::string& for_path);

}  // namespace fl
