"""Write the bytecode of what a service imports, and only that, while its image is built.

The image's root filesystem is read-only, so bytecode Python does not find there is compiled
again at every process start. Compiling every dependency ahead of time would cost a third of
the environment (tens of MB of tests, vendored tools and modules nothing imports); importing
each module of our own packages once, with bytecode writing on, compiles exactly the
dependencies the processes load. Run it in the build stage with the packages' names:

    python deploy/docker/compile_imports.py hourbank_shared hourbank_escrow
"""

import importlib
import pkgutil
import sys


def import_all(package_name: str) -> int:
    """Import the package and every module below it; the count of modules imported."""
    package = importlib.import_module(package_name)
    count = 1
    for module in pkgutil.walk_packages(package.__path__, f"{package_name}.", onerror=print):
        try:
            importlib.import_module(module.name)
        except ImportError as error:  # a development-only module (the pytest plugin)
            print(f"compile_imports: skipped {module.name}: {error}", file=sys.stderr)
            continue
        count += 1
    return count


def main() -> None:
    if sys.dont_write_bytecode:
        raise SystemExit("compile_imports: bytecode writing is off (PYTHONDONTWRITEBYTECODE)")
    total = sum(import_all(name) for name in sys.argv[1:])
    print(f"compile_imports: {total} modules imported, their dependencies' bytecode written")


if __name__ == "__main__":
    main()
