#include "common/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/error.h"

namespace tt {

namespace {

std::string why(int e) { return std::strerror(e); }

struct Parts {
  std::string dir;   // "." when the path has no '/'
  std::string base;
};

Parts split_path(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  Parts p;
  p.dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  p.base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (p.base.empty() || p.base == "." || p.base == "..") throw Error(at(path, 0, "is not a file name"));
  return p;
}

std::string temp_prefix(const std::string& base) { return "." + base + ".tt-tmp."; }

// Removes the temporaries of `base` in `dir` whose writer (the PID in their name) is gone.
void remove_stale_temps(const Parts& p) {
  DIR* d = ::opendir(p.dir.c_str());
  if (!d) return;
  const std::string prefix = temp_prefix(p.base);
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (pid <= 0 || *end != '.') continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) ::unlinkat(::dirfd(d), name.c_str(), 0);
  }
  ::closedir(d);
}

void sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);  // the renames are done; a failure here cannot undo them
  ::close(fd);
}

mode_t file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// Writes `bytes` to a new temporary beside `path`, synced. Returns its name.
std::string write_temp(const std::string& path, const Parts& p, std::string_view bytes) {
  remove_stale_temps(p);
  std::string tmpl = (p.dir == "." && path.find('/') == std::string::npos ? std::string() : p.dir + "/") +
                     temp_prefix(p.base) + std::to_string(::getpid()) + ".XXXXXX";
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);  // O_CREAT | O_EXCL, mode 0600
  if (fd < 0) throw Error(at(path, 0, "cannot create a temporary file in " + p.dir + ": " + why(errno)));
  auto fail = [&](const std::string& what, int e) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw Error(at(path, 0, what + ": " + why(e) + (e == ENOSPC ? " (the disk is full)" : "")));
  };
  for (size_t off = 0; off < bytes.size();) {
    const ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    off += static_cast<size_t>(w);
  }
  if (::fchmod(fd, file_mode()) != 0) fail("chmod failed", errno);
  if (::fsync(fd) != 0) fail("fsync failed", errno);
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmpl.c_str());
    throw Error(at(path, 0, "close failed: " + why(e)));
  }
  return tmpl;
}

}  // namespace

std::string read_file(const std::string& path, const std::string& kind, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    throw Error(at(path, 0, "cannot open: " + why(e) + (e == ENOENT ? " (check the path)" : "")));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(at(path, 0, "cannot stat: " + why(errno)));
  if (S_ISDIR(st.st_mode)) throw Error(at(path, 0, "is a directory; give " + kind));
  const auto too_large = [&] {
    return Error(at(path, 0, "is larger than " + std::to_string(max_bytes >> 20) + " MiB, the most read as " + kind +
                                 "; split it into smaller files"));
  };
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) throw too_large();
  std::string bytes;
  if (S_ISREG(st.st_mode) && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw Error(at(path, 0, "cannot read: " + why(errno)));
    }
    if (got == 0) break;
    bytes.append(buf, static_cast<size_t>(got));
    if (bytes.size() > max_bytes) throw too_large();
  }
  return bytes;
}

void check_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& out = outputs[i];
    if (out.empty()) throw UsageError("an output file name is empty");
    const Parts p = split_path(out);
    struct stat os {};
    const bool exists = ::stat(out.c_str(), &os) == 0;
    for (size_t j = 0; j < i; ++j)
      if (outputs[j] == out) throw UsageError(out + ": given as two outputs");
    for (const std::string& in : inputs) {
      struct stat is {};
      const bool same = in == out || (exists && ::stat(in.c_str(), &is) == 0 && is.st_dev == os.st_dev &&
                                      is.st_ino == os.st_ino);
      if (same)
        throw UsageError(out + ": the output is the input " + (in == out ? "" : in + " ") +
                         "(it would be replaced); choose another output name");
    }
    if (exists && S_ISDIR(os.st_mode)) throw Error(at(out, 0, "is a directory; give a file name to write"));
    struct stat ds {};
    if (::stat(p.dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode))
      throw Error(at(out, 0, "cannot write: the folder " + p.dir + " does not exist"));
    if (::access(p.dir.c_str(), W_OK | X_OK) != 0)
      throw Error(at(out, 0, "cannot write in the folder " + p.dir + ": " + why(errno)));
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  write_files_atomic({{path, std::string(bytes)}});
}

void write_files_atomic(const std::vector<OutputFile>& files) {
  if (files.empty()) return;
  std::vector<Parts> parts;
  for (const OutputFile& f : files) parts.push_back(split_path(f.path));
  std::vector<std::string> temps;
  try {
    for (size_t i = 0; i < files.size(); ++i) temps.push_back(write_temp(files[i].path, parts[i], files[i].bytes));
  } catch (...) {
    for (const std::string& t : temps) ::unlink(t.c_str());
    throw;
  }
  const size_t seal = files.size() - 1;
  if (seal > 0 && ::unlink(files[seal].path.c_str()) == 0) sync_dir(parts[seal].dir);
  auto put = [&](size_t i) {
    if (::rename(temps[i].c_str(), files[i].path.c_str()) != 0) {
      const int e = errno;
      for (size_t k = i; k < files.size(); ++k) ::unlink(temps[k].c_str());
      throw Error(at(files[i].path, 0, "cannot rename the temporary file into place: " + why(e)));
    }
  };
  for (size_t i = 0; i < seal; ++i) put(i);
  for (size_t i = 0; i < seal; ++i) sync_dir(parts[i].dir);  // the set is durable before its seal
  put(seal);
  sync_dir(parts[seal].dir);
}

}  // namespace tt
