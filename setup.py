"""Builds tinytext._tinytext with the project's CMake (python/CMakeLists.txt) for this Python."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = Path(self.build_temp).resolve() / "cmake"
        args = [
            "cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
            "-DTT_BUILD_TESTS=OFF", "-DTT_BUILD_BENCH=OFF", "-DTT_BUILD_PYTHON=ON", f"-DTT_PYTHON={sys.executable}",
        ]
        try:  # pybind11 from pip (build isolation); Debian's pybind11-dev is found by CMake itself
            import pybind11
            args.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
        except (ImportError, AttributeError):
            pass
        subprocess.run(args, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
        subprocess.run(["cmake", "--build", str(build), "--target", "_tinytext", "-j", jobs], check=True)
        built = build / "python" / "tinytext"
        module = next(built.glob("_tinytext*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module, target)


setup(
    packages=["tinytext"],
    package_dir={"": "python"},
    ext_modules=[Extension("tinytext._tinytext", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
