// Test helper: a child process (fork + execv) whose stderr, and stdout unless it is piped, go to a
// file. With `pipes`, the test writes lines to its stdin and reads lines from its stdout. With
// `gid`, the child runs with that group only (setgid + no supplementary groups) before exec: a
// root test can then tell a non-dumpable child by the ownership of /proc/PID (root:root, proc(5))
// instead of root:gid. The destructor kills (SIGKILL) and reaps a child still running.
#pragma once

#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace parley::test {

class child_process {
 public:
  struct options {
    bool pipes = false;  ///< stdin and stdout on pipes (line()/say()); else stdout joins stderr's file
    int gid = -1;        ///< run with this group only (root tests); -1: unchanged
  };

  child_process(const std::vector<std::string>& args, const std::filesystem::path& output_file, options o) {
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (o.pipes) {
      EXPECT_EQ(pipe(in), 0);
      EXPECT_EQ(pipe(out), 0);
    }
    pid_ = fork();
    if (pid_ == 0) {
      const int log = open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (o.pipes) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
      } else {
        const int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(log, 1);
      }
      dup2(log, 2);
      if (o.gid >= 0 && (setgroups(0, nullptr) != 0 || setgid(static_cast<gid_t>(o.gid)) != 0)) _exit(126);
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // after setgid, which clears it: never outlive a crashed test
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    if (o.pipes) {
      close(in[0]);
      close(out[1]);
      to_ = in[1];
      from_ = fdopen(out[0], "r");
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (to_ >= 0) close(to_);
    if (from_) fclose(from_);
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  /// One line of its stdout (pipes), "<eof>" at the end.
  std::string line() {
    char buf[512];
    if (!from_ || !fgets(buf, sizeof buf, from_)) return "<eof>";
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  /// Writes one line to its stdin (pipes).
  void say(const std::string& s) {
    EXPECT_EQ(write(to_, (s + "\n").data(), s.size() + 1), static_cast<ssize_t>(s.size() + 1));
  }
  /// Sends `signal` and waits (at most `timeout`, then SIGKILL) for the exit. Returns the exit
  /// code, or -1 when it did not exit normally.
  int stop(int signal, std::chrono::seconds timeout) {
    kill(pid_, signal);
    for (auto until = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < until;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;  // the destructor kills it
  }
  /// Waits for the exit; its code, or -1.
  int wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  /// True while it has not exited.
  [[nodiscard]] bool running() {
    if (reaped_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
    return !reaped_;
  }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int to_ = -1;
  FILE* from_ = nullptr;
  bool reaped_ = false;
};

}  // namespace parley::test
