#include "common/thread_name.h"

#include <pthread.h>

#include <string>

namespace ferry {

void SetThreadName(std::string_view name) {
  constexpr size_t kMaxBytes = 15;  // the kernel's TASK_COMM_LEN less the terminating NUL
  const std::string cut(name.substr(0, kMaxBytes));
  pthread_setname_np(pthread_self(), cut.c_str());  // only informative: a failure changes nothing
}

}  // namespace ferry
