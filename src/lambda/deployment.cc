#include "lambda/deployment.h"

#include <algorithm>

namespace ferry::lambda {

int FunctionDeployment::MutatingCalls() const {
  return static_cast<int>(
      std::count_if(calls.begin(), calls.end(), [](const CallRecord& c) { return c.mutating; }));
}

}  // namespace ferry::lambda
