"""Compiled kernels and array helpers behind the processes' weekly passes."""
