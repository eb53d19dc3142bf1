#include "key_files.hpp"

#include <parley/crypto/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace parley::crypto::detail {
namespace {

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

bool private_mode(const struct stat& st) {
  return (st.st_mode & 0177) == 0 && (st.st_uid == ::geteuid() || st.st_uid == 0);
}

bool write_all(int fd, std::span<const std::uint8_t> data) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

bool sync_directory_of(const std::filesystem::path& file) {
  auto dir = file.parent_path();
  if (dir.empty()) dir = ".";
  fd_guard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

// Writes a new file that must not exist yet; removes it again on any failure.
result<void> write_exclusive(const std::filesystem::path& file, std::span<const std::uint8_t> data) {
  fd_guard fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return errno == EEXIST ? errc::already_exists : errc::io_error;
  // The umask can only remove bits from 0600; fchmod makes the mode exact regardless.
  const bool ok = ::fchmod(fd.get(), 0600) == 0 && write_all(fd.get(), data) && ::fsync(fd.get()) == 0 &&
                  ::close(fd.release()) == 0;
  if (!ok) {
    ::unlink(file.c_str());
    return errc::io_error;
  }
  return {};
}

}  // namespace

result<secure_buffer> read_private_file(const std::filesystem::path& file, std::size_t max_size) {
  fd_guard fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return errno == ELOOP ? errc::insecure_file : errc::io_error;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return errc::io_error;
  if (!private_mode(st)) return errc::insecure_file;
  if (static_cast<std::uint64_t>(st.st_size) > max_size) return errc::too_large;
  auto buf = secure_buffer::allocate(static_cast<std::size_t>(st.st_size));
  if (!buf) return buf.error();
  std::size_t got = 0;
  while (got < buf->size()) {
    const auto n = ::read(fd.get(), buf->data() + got, buf->size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return errc::io_error;  // the file shrank while being read
    got += static_cast<std::size_t>(n);
  }
  std::uint8_t extra = 0;
  if (::read(fd.get(), &extra, 1) != 0) return errc::io_error;  // it grew
  return buf;
}

result<void> create_private_file(const std::filesystem::path& file, std::span<const std::uint8_t> data) {
  auto r = write_exclusive(file, data);
  if (!r) return r;
  if (!sync_directory_of(file)) return errc::io_error;
  return {};
}

result<void> replace_private_file(const std::filesystem::path& file, std::span<const std::uint8_t> data) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode) || !private_mode(st)) return errc::insecure_file;
  } else if (errno != ENOENT) {
    return errc::io_error;
  }
  auto tmp = file;
  tmp += ".tmp";
  ::unlink(tmp.c_str());  // a leftover of a crash in the middle of an earlier save
  auto r = write_exclusive(tmp, data);
  if (!r) return r;
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return errc::io_error;
  }
  if (!sync_directory_of(file)) return errc::io_error;
  return {};
}

}  // namespace parley::crypto::detail
