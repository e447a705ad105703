// Lambda deployment packages for tests, made by the `zip` tool (Info-ZIP, -X: no extra file
// attributes) like a user's build would.
#pragma once

#include <string>

namespace ferry::test {

// A zip holding one file `name` with `content`; "" when the zip tool failed.
std::string ZipOf(const std::string& name, const std::string& content);

// A python package: app.py holding `body` (handler "app.handler").
inline std::string MakeZip(const std::string& body) { return ZipOf("app.py", body); }

}  // namespace ferry::test
