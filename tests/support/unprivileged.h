// RunUnprivileged: runs a function with the permissions of an ordinary user, so a test of
// "permission denied" also means something when the tests run as root (CI does), where
// permission bits restrict nothing.
//
// As root, `fn` runs on a new thread whose user, group and supplementary groups are nobody's
// (65534), changed with raw syscalls: Linux keeps credentials per thread and only glibc's
// wrappers apply them to every thread, so the rest of the test process keeps root. What `fn`
// reaches must be reachable by "other" (e.g. a TempDir opened with chmod o+rx). As any other
// user `fn` runs on the calling thread, unchanged.
//
// Linux only. Thread-safe in that nothing else in the process changes.
#pragma once

#include <functional>
#include <string>

namespace ferry::test {

// "" once `fn` ran; else why it could not be run unprivileged (then `fn` did not run).
std::string RunUnprivileged(const std::function<void()>& fn);

}  // namespace ferry::test
