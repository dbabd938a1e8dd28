"""Custom-op outputs that are views: a custom operator must return tensors of its own (torch.library's contract;
inductor also asserts their alignment: KLIF's dL/dk, returned as a view at offset 1 of a sums buffer, failed the
CUDA compile test on an H200). ``watch()`` wraps every snnlab op implementation and records each output that
starts at a storage offset or shares its storage with an input or another output (a view of an intermediate of
its own is fine)."""
from __future__ import annotations

import torch


def watch():
    """Returns ``(found, restore)``: ``found`` collects ``"op[i]: shape, offset"`` strings; ``restore()`` unwraps."""
    from snnlab.kernels import ops

    found, saved = [], []
    for name in dir(ops):
        op = getattr(ops, name)
        impl = getattr(op, "_snnlab_impl", None)
        if impl is None or any(o is op for o, _ in saved):
            continue

        def wrapped(*args, _impl=impl, _name=op._name):
            out = _impl(*args)
            inputs = {a.untyped_storage().data_ptr() for a in args if isinstance(a, torch.Tensor) and a.numel()}
            seen = {}
            for i, t in enumerate(out if isinstance(out, (tuple, list)) else (out,)):
                if not isinstance(t, torch.Tensor) or t.numel() == 0:
                    continue
                ptr = t.untyped_storage().data_ptr()
                why = ("starts at storage offset %d" % t.storage_offset() if t.storage_offset() else
                       "shares the storage of an input" if ptr in inputs else
                       f"shares the storage of output {seen[ptr]}" if ptr in seen else None)
                seen.setdefault(ptr, i)
                if why:
                    found.append(f"{_name}[{i}]: shape {tuple(t.shape)}, {why}")
            return out

        saved.append((op, impl))
        op._snnlab_impl = wrapped

    def restore():
        for op, impl in saved:
            op._snnlab_impl = impl

    return found, restore
