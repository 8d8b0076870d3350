// Whole files in and out, with errors that name the file. Every file tinytext writes goes through
// write_file_atomic or write_files_atomic (docs/cli.md, "Output files"):
//   * the bytes go to a temporary file created exclusively (O_EXCL, unpredictable name
//     .NAME.tt-tmp.PID.XXXXXX) beside the target, are fsync'ed, renamed over the target, and the
//     directory is fsync'ed: a crash or kill -9 at any moment leaves the old file or the complete
//     new one, never a part; a file or symlink already at a temporary name is never followed;
//   * temporaries of the same target left by a killed run (their PID no longer running) are
//     removed by the next write of that target;
//   * a set of files (split's train + test, export's header + source) is written as a set: see
//     write_files_atomic.
// check_outputs refuses, before any work, an output that is one of the inputs or cannot be written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

// The whole of a file (a regular file, a pipe or a device; not a directory). `kind` completes
// the directory error: "PATH: is a directory; give KIND". Throws tt::Error naming the file.
// A file longer than max_bytes is refused ("is larger than ..."), not cut.
std::string read_file(const std::string& path, const std::string& kind, uint64_t max_bytes = UINT64_MAX);

// Refuses (tt::UsageError naming the paths) an output that is one of the inputs, by name or by
// device and inode (a hard link, a symlink, "./x"), or that is given twice; refuses (tt::Error) an
// output that is a directory, or whose directory is missing or not writable. Call it before the
// work that produces the outputs. Inputs that do not exist are ignored here (their reader says so).
void check_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs);

// Replaces `path` with `bytes` atomically (see above). Throws tt::Error naming the file; on
// failure the target is untouched and the temporary removed.
void write_file_atomic(const std::string& path, std::string_view bytes);

struct OutputFile {
  std::string path;
  std::string bytes;
};

// Writes a set of files so that a kill at any moment never leaves a new file beside an old one of
// the same set: every file is first written and synced to its temporary; then the LAST file of the
// set (its seal) is removed, the others are renamed into place, and the seal is renamed last. So
// whenever the seal exists, the other files are the ones written with it; an interrupted write
// leaves the others (old or new) without their seal, and the next write replaces them all.
void write_files_atomic(const std::vector<OutputFile>& files);

}  // namespace tt
