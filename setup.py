"""Builds the classflow Python package with the project's own CMake build (no second build
system): configure with CLASSFLOW_PYTHON_WHEEL=ON, build the extension and the plugins, then
install the `runtime` and `python` components into the wheel, where the extension finds the
core in classflow/lib and the core finds its plugins in classflow/lib/classflow/plugins.

Environment: CLASSFLOW_PIP_BUILD_DIR reuses a CMake build folder between installs (default: a
temporary folder of setuptools); CMAKE_BUILD_PARALLEL_LEVEL sets the build jobs (default 2).
"""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.path.abspath(os.environ.get("CLASSFLOW_PIP_BUILD_DIR") or os.path.join(self.build_temp, "cmake"))
        # The folder holding the `classflow` package inside the wheel.
        wheel_root = os.path.dirname(os.path.dirname(os.path.abspath(self.get_ext_fullpath(ext.name))))
        configure = [
            "cmake", "-S", HERE, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DCLASSFLOW_BUILD_TESTS=OFF",
            "-DCLASSFLOW_PYTHON_WHEEL=ON",
            "-DCMAKE_INSTALL_LIBDIR=classflow/lib",
            f"-DPython3_EXECUTABLE={sys.executable}",
        ]
        if shutil.which("ninja") and not os.path.exists(os.path.join(build_dir, "Makefile")):
            configure += ["-G", "Ninja"]
        env = {**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")}
        subprocess.check_call(configure, env=env)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "classflow_python", "classflow_plugins",
                               "classflow_cli"], env=env)
        for component in ("runtime", "python"):
            subprocess.check_call(["cmake", "--install", build_dir, "--prefix", wheel_root, "--component", component])


setup(
    packages=["classflow"],
    package_dir={"": "python"},
    package_data={"classflow": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("classflow._native")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    # setuptools' own folders inside the CMake build tree, apart from CMake's files.
    options={"build": {"build_base": "build/setuptools"}, "egg_info": {"egg_base": "build/setuptools"}},
)
