#include "support/unprivileged.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace ferry::test {
namespace {

constexpr long kNobody = 65534;

}  // namespace

std::string RunUnprivileged(const std::function<void()>& fn) {
  if (::geteuid() != 0) {
    fn();
    return "";
  }
  std::string problem;
  std::thread worker([&] {
    // Groups first: changing them needs the privileges the uid change drops.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, kNobody, kNobody, kNobody) != 0 ||
        ::syscall(SYS_setresuid, kNobody, kNobody, kNobody) != 0) {
      problem = std::string("cannot become uid/gid 65534 on a thread: ") + std::strerror(errno);
      return;
    }
    fn();
  });
  worker.join();
  return problem;
}

}  // namespace ferry::test
