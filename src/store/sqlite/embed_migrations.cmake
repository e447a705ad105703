# Generates a C++ source embedding the numbered SQL migrations.
# Usage: cmake -DOUTPUT=<file.cc> -DMIGRATIONS="<a.sql;b.sql>" [-DBACKEND=postgres]
#        -P embed_migrations.cmake
# BACKEND (default sqlite) names the folder: store/<BACKEND>/migrations.h, ferry::store::<BACKEND>.
# Fails the build when a file name is not NNNN_name.sql or a version repeats. Versions may have
# gaps: parallel branches reserve their numbers, and the store applies every migration it has not
# recorded (not only those above the newest).
if(NOT BACKEND)
  set(BACKEND sqlite)
endif()
list(SORT MIGRATIONS)
set(body "")
set(previous 0)
foreach(file IN LISTS MIGRATIONS)
  get_filename_component(base ${file} NAME)
  if(NOT base MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "migration file name must be NNNN_name.sql: ${base}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(name ${CMAKE_MATCH_2})
  if(NOT version GREATER previous)
    message(FATAL_ERROR "migration ${base}: version ${version} repeats (or is 0)")
  endif()
  set(previous ${version})
  file(READ ${file} sql)
  string(FIND "${sql}" ")ferry_sql\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "migration ${base} contains the raw-string delimiter")
  endif()
  string(APPEND body "    {${version}, \"${name}\", R\"ferry_sql(${sql})ferry_sql\"},\n")
endforeach()
set(content "// Generated from store/${BACKEND}/migrations/*.sql by embed_migrations.cmake. Do not edit.
#include \"store/${BACKEND}/migrations.h\"

namespace ferry::store::${BACKEND} {
namespace {
constexpr Migration kMigrations[] = {
${body}};
}  // namespace

std::span<const Migration> EmbeddedMigrations() { return kMigrations; }

}  // namespace ferry::store::${BACKEND}
")
file(WRITE ${OUTPUT}.tmp "${content}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
