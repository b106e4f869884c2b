"""Speed machinery: everything here exists only to make the maths elsewhere run fast.

Layers, losses and optimisers state their formulas in their own files; the kernels below do
the heavy lifting (BLAS calls, in-place updates, im2col, scratch memory). Each fast kernel
keeps a plain reference implementation beside it, and the tests compare the two.
Nothing here imports from the rest of the package: dependencies point down, to here.
"""
