"""The learner kernel's half of the grading protocol: requests in, JSON replies out.

The trusted grader never runs a test inside a learner's kernel. It only *asks* it for data:

- ``{"op": "value", "name": "accuracy_model"}`` — the value bound to a name (``a.b`` reads an
  attribute);
- ``{"op": "call", "name": "precision_recall_f1", "args": [...], "kwargs": {...}}`` — call a
  learner function on inputs the grader chose;
- ``{"op": "evaluate", "setup": ..., "name": expression}`` — evaluate an expression (e.g. a
  call on objects the ``setup`` code builds in the kernel) in a copy of the namespace;
- ``{"op": "rerun", "code": ..., "setup": ..., "bindings": {...}, "names": [...]}`` — run the
  learner's answer cell again on other data, in a *copy* of the learner's namespace (``setup``
  code and ``bindings`` first), and return ``names`` from that copy; the notebook's own state
  is left as it was.

The kernel answers with one ``display_data`` output of MIME type :data:`REPLY_MIME`, whose text
is JSON: ``{"ok": true, "value": ...}`` or ``{"ok": false, "error": "..."}``. Values and
arguments use plain JSON (``NaN``/``Infinity`` tokens allowed) plus a few tagged objects:
``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}``, ``{"__ndarray__": [...],
"dtype": ...}``, ``{"__frame__": "file.parquet", "kind": "frame"|"series"}`` (Parquet files in
the exchange folder ``io_dir``, never pickle) and ``{"__object__": type, "repr": ...,
"attrs": {...}}`` for anything else (read-only data, never re-created as the object).
Another language's kernel (e.g. R) implements the same requests and replies.

Everything here can be rewritten by learner code running in the same kernel; that can only make
a reply lie, and the grader judges replies against values the kernel never sees.

Examples
--------
>>> import numpy as np
>>> decode(json.loads(json.dumps(encode((1, np.float64(0.5), "a"), None))), None)
(1, 0.5, 'a')
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid

REPLY_MIME = "text/vnd.modellab.reply+json"
_MAX_DEPTH = 6


def encode(value, io_dir, depth: int = 0):
    """``value`` as JSON-ready data (frames as Parquet files in ``io_dir``)."""
    import numpy as np

    if depth > _MAX_DEPTH:
        return {"__object__": type(value).__name__, "repr": "(nested too deeply)", "attrs": {}}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, np.generic):
        return encode(value.item(), io_dir, depth)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, io_dir, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, io_dir, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"__set__": [encode(v, io_dir, depth + 1) for v in sorted(value, key=repr)]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, io_dir, depth + 1), encode(v, io_dir, depth + 1)]
                             for k, v in value.items()]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufUSM":
            return {"__ndarray__": encode(value.tolist(), io_dir, depth + 1) if value.dtype.kind != "M"
                    else value.astype(str).tolist(), "dtype": str(value.dtype)}
        return {"__ndarray__": [encode(v, io_dir, depth + 1) for v in value.tolist()], "dtype": "object"}
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas ships with modellab
        pd = None
    if pd is not None and isinstance(value, (pd.DataFrame, pd.Series)) and io_dir is not None:
        kind = "series" if isinstance(value, pd.Series) else "frame"
        frame = value.to_frame(name=value.name if value.name is not None else "__value__") \
            if kind == "series" else value
        name = f"{uuid.uuid4().hex}.parquet"
        frame.columns = [str(c) for c in frame.columns]
        frame.to_parquet(os.path.join(io_dir, name))
        return {"__frame__": name, "kind": kind}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        attrs = {f.name: encode(getattr(value, f.name), io_dir, depth + 1) for f in dataclasses.fields(value)}
    else:
        attrs = {}
    return {"__object__": type(value).__name__, "repr": repr(value)[:500], "attrs": attrs}


def decode(data, io_dir):
    """The inverse of :func:`encode` (objects come back as :class:`ReplyObject`)."""
    if isinstance(data, list):
        return [decode(v, io_dir) for v in data]
    if not isinstance(data, dict):
        return data
    if not data:
        return {}
    if "__tuple__" in data:
        return tuple(decode(v, io_dir) for v in data["__tuple__"])
    if "__set__" in data:
        return {_hashable(decode(v, io_dir)) for v in data["__set__"]}
    if "__dict__" in data:
        return {_hashable(decode(k, io_dir)): decode(v, io_dir) for k, v in data["__dict__"]}
    if "__ndarray__" in data:
        import numpy as np

        items = decode(data["__ndarray__"], io_dir)
        try:  # a plain, small element type only: the other side may be hostile
            dtype = np.dtype(str(data.get("dtype", "object")))
        except TypeError:
            dtype = np.dtype(object)
        if dtype.kind not in "biufUSM" or dtype.itemsize > 256:
            dtype = np.dtype(object)
        return np.array(items, dtype=dtype)
    if "__frame__" in data:
        name = str(data["__frame__"])
        if os.path.basename(name) != name or not name.endswith(".parquet"):
            raise ValueError(f"a frame reply names an unexpected file {name!r}")
        frame = _read_parquet(os.path.join(io_dir, name))
        if data.get("kind") == "series":
            series = frame.iloc[:, 0]
            return series.rename(None) if series.name == "__value__" else series
        return frame
    if "__object__" in data:
        return ReplyObject(str(data["__object__"]), str(data.get("repr", "")),
                           {k: decode(v, io_dir) for k, v in dict(data.get("attrs", {})).items()})
    raise ValueError(f"unknown value in a reply: keys {sorted(data)[:5]}")


def _read_parquet(path: str):
    """A frame from a Parquet file the other side wrote: a regular file in the exchange folder
    itself, never a symlink (to a file of the grader's) or a FIFO (that would block)."""
    import stat

    import pandas as pd

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:  # the grader's own paths stay out of the message
        raise ValueError(f"{os.path.basename(path)} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise ValueError(f"{os.path.basename(path)} is not a regular file")
        return pd.read_parquet(fh)


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


class ReplyObject:
    """A learner object seen as data: its type name, its repr and its public fields."""

    def __init__(self, type_name: str, text: str, attrs: dict):
        self.type_name, self.text, self.attrs = type_name, text, attrs

    def __getattr__(self, name):
        attrs = self.__dict__.get("attrs", {})
        # public fields only: numpy and pandas look protocols up on the instance (a learner's
        # "__array_interface__" would make numpy read any address of this process)
        if name in attrs and not name.startswith("_"):
            return attrs[name]
        raise AttributeError(f"the learner's {self.__dict__.get('type_name')} has no field {name!r}")

    def __repr__(self) -> str:
        return f"<learner {self.type_name}: {self.text[:80]}>"


def _lookup(namespace: dict, name: str):
    head, *rest = name.split(".")
    if head not in namespace:
        raise NameError(f"{head} is not defined")
    value = namespace[head]
    for attr in rest:
        value = getattr(value, attr)
    return value


def handle(request: dict, namespace: dict, transform=None) -> dict:
    """Answer one request against ``namespace`` (the learner's globals); ``transform`` turns
    cell source into plain Python (IPython's ``transform_cell``)."""
    io_dir = request.get("io_dir")
    try:
        op, name = request["op"], str(request["name"])
        if op == "evaluate":
            copy = dict(namespace)
            setup = request.get("setup", "")
            exec(compile(transform(setup) if transform else setup, "<set-up>", "exec"), copy)  # noqa: S102
            return {"ok": True, "value": encode(eval(compile(name, "<expression>", "eval"), copy), io_dir)}  # noqa: S307
        if op == "rerun":
            copy = dict(namespace)
            copy.update(decode(request.get("bindings", {}), io_dir) or {})
            for label, code in (("set-up", request.get("setup", "")), (name, request["code"])):
                code = transform(code) if transform is not None else code
                exec(compile(code, f"<{label}>", "exec"), copy)  # noqa: S102 - the learner's own kernel
            names = [str(n) for n in request.get("names", [])]
            return {"ok": True, "value": encode(tuple(_lookup(copy, n) for n in names), io_dir)}
        target = _lookup(namespace, name)
        if op == "value":
            value = target
        elif op == "call":
            if not callable(target):
                raise TypeError(f"{name} is not a function (it is a {type(target).__name__})")
            args = decode(request.get("args", []), io_dir)
            kwargs = decode(request.get("kwargs", {}), io_dir)
            value = target(*args, **(kwargs or {}))
        else:
            raise ValueError(f"unknown request {op!r}")
        return {"ok": True, "value": encode(value, io_dir)}
    except Exception as exc:  # the learner's error, reported as data
        text = str(exc).strip().splitlines()
        return {"ok": False, "error": f"{type(exc).__name__}: {text[0][:300] if text else ''}"}


def _json(reply: dict) -> str:
    try:
        return json.dumps(reply)
    except (TypeError, ValueError) as exc:
        return json.dumps({"ok": False, "error": f"the answer cannot be sent as data ({exc})"})


def serve(request_json: str) -> None:
    """Kernel entry point: read the request, publish the reply (IPython kernels)."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    reply = handle(json.loads(request_json), shell.user_ns if shell is not None else {},
                   shell.transform_cell if shell is not None else None)
    publish_display_data({REPLY_MIME: _json(reply)})


__all__ = ["REPLY_MIME", "ReplyObject", "decode", "encode", "handle", "serve"]
