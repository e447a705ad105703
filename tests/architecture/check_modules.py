#!/usr/bin/env python3
"""Checks docs/architecture.md's module table against the code (ctest architecture_modules).

Every `#include "X/..."` in src/<module>/ must name the module itself or one it may use (an entry
`X/sub` allows only src/X/sub/ or src/X/sub.h), every CMake dependency between Ferry's libraries must follow the
same table, and every directory under src/ must be a listed module. Prints each violation and
exits 1 when there is any.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
doc = (root / "docs" / "architecture.md").read_text()

allowed = {}   # module -> set of "mod" or "mod/sub"
libraries = {}  # cmake target -> module
for line in doc.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 4 or cells[0] in ("module", "") or set(cells[0]) <= set("-"):
        continue
    module, libs, _, may_use = cells
    if not re.fullmatch(r"[a-z]+", module):
        continue
    allowed[module] = set() if may_use == "—" else {m.strip() for m in may_use.split(",")}
    for lib in re.findall(r"`([a-z0-9_]+)`", libs):
        name = lib if lib.startswith("ferry_") else "ferry_common" + lib
        libraries[name] = module

problems = []
if not allowed:
    problems.append("docs/architecture.md has no module table")

def may_include(module, included, path):
    if included == module:
        return True
    for entry in allowed.get(module, ()):
        if entry == included:
            return True
        if "/" in entry and (path.startswith(entry + "/") or path.rsplit(".", 1)[0] == entry):
            return True
    return False

src = root / "src"
for directory in sorted(p for p in src.iterdir() if p.is_dir()):
    module = directory.name
    if module not in allowed:
        problems.append(f"src/{module}/ is not in docs/architecture.md's module table")
        continue
    for f in sorted(directory.rglob("*")):
        if f.suffix not in (".h", ".cc"):
            continue
        for n, text in enumerate(f.read_text(errors="replace").splitlines(), 1):
            m = re.match(r'\s*#include "(([a-z_]+)/[^"]+)"', text)
            if not m or not (src / m.group(2)).is_dir():
                continue
            if not may_include(module, m.group(2), m.group(1)):
                problems.append(f"{f.relative_to(root)}:{n}: {module} may not include {m.group(1)}")

for cmake in sorted(src.rglob("*.cmake")) + sorted(src.rglob("CMakeLists.txt")):
    text = cmake.read_text()
    for m in re.finditer(r"ferry_module\(\s*([a-z0-9_]+)(.*?)\)\s*$", text, re.S | re.M):
        target = "ferry_" + m.group(1)
        module = libraries.get(target)
        if module is None:
            problems.append(f"{cmake.relative_to(root)}: library {target} is not in the table")
            continue
        for dep in re.findall(r"\bferry_[a-z0-9_]+\b", m.group(2)):
            dep_module = libraries.get(dep)
            if dep_module is None:
                problems.append(f"{cmake.relative_to(root)}: {target} uses {dep}, not in the table")
            elif dep_module != module and not any(
                    e == dep_module or e.startswith(dep_module + "/") for e in allowed[module]):
                problems.append(f"{cmake.relative_to(root)}: {target} ({module}) may not use "
                                f"{dep} ({dep_module})")

for p in problems:
    print(p)
print(f"{len(allowed)} modules, {len(libraries)} libraries checked; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
