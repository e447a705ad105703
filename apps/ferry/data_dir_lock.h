// DataDirLock: the exclusive flock on DATA/server.lock that makes a data directory one server's.
//
// Acquire creates the directory if needed, takes the lock without waiting and writes the pid
// into the file; a directory locked by another process is a kFailedPrecondition naming its pid.
// The kernel releases the lock when the object is destroyed or the process dies (even on
// SIGKILL), so holding it proves every earlier server on the directory is gone. `ferry server`
// takes it in ServerRuntime::Start; `ferry up` takes it before starting its sandbox (whose state
// lives in DATA/sandbox) and hands it to the runtime. Not copyable; thread-compatible.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"

namespace ferry::app {

class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace ferry::app
