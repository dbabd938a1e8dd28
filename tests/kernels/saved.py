"""What autograd keeps for backward during one forward call: the shared helper of the kernel memory tests."""
from __future__ import annotations

import torch


def saved_storages(mod, x):
    """``(output, {storage pointer: bytes})`` of the distinct tensors autograd saves during ``mod(x)`` (pack
    hook; a storage counted once, at its size)."""
    seen = {}

    def pack(t):
        st = t.untyped_storage()
        seen[st.data_ptr()] = max(seen.get(st.data_ptr(), 0), st.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = mod(x)
    return out, seen
