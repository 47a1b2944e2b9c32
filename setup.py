"""Builds the C extension for `pip install --no-build-isolation .`; the
Makefile builds the same sources in place for development."""
import glob
import sysconfig

from setuptools import Extension, setup

include = sysconfig.get_paths()["include"]
setup(
    ext_modules=[
        Extension(
            "pypyjit._pypyjit",
            sources=sorted(glob.glob("src/jit/*/*.c") + glob.glob("src/jit/*/*/*.c")),
            depends=sorted(glob.glob("src/jit/**/*.h", recursive=True)
                           + glob.glob("src/jit/**/*.def", recursive=True)),
            extra_compile_args=[
                "-std=gnu11", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror",
                "-Wno-missing-field-initializers", "-isystem", include,
                "-isystem", include + "/internal",
            ],
            libraries=["m"],
        )
    ]
)
