"""What changed between two public views: a small patch the hub computes once per broadcast.

A view is JSON (dicts, lists, strings, numbers, booleans, null). ``diff(a, b)`` gives a patch, or None
when they are equal, and ``apply(a, patch)`` gives ``b`` back (``apply(a, diff(a, b)) == b``, types
included). Three shapes, told apart by their one marker field (docs/protocol.md, "events"):

- ``{"value": X}`` — the value is now X (anything, null included).
- ``{"fields": {name: patch…}, "removed": [name…]}`` — a dict: the named fields changed (a new field comes as
  ``{"value": …}``), the removed ones are gone; either part may be absent.
- ``{"by": KEY, "removed": [k…], "inserted": [[i, entry]…], "changed": [[k, patch]…], "ordinal": F}`` — a list
  of dicts that all carry a unique ``KEY`` (one of ``KEYS``): drop the entries whose key is in
  ``removed``, patch the kept ones by key, then insert the new (and moved) entries at their index in the new
  list, in ascending order. With ``ordinal``, field ``F`` of every entry is its index + 1 (a queue
  position): it is recomputed, never sent, so lowering one hand does not re-send the whole queue.

Entries that keep their relative order are the longest increasing run of old indices in the new order;
only the others are sent whole. Pure and deterministic: every process computes the same patch.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

# Keys that identify the entries of a view's lists, tried in this order (the agenda's entries by index).
KEYS = ("participant_id", "motion_id", "resolution_id", "key_point_id", "section_id", "index")
# Fields that number a list's entries from 1.
ORDINALS = ("position",)

Patch = dict[str, Any]


def diff(a: Any, b: Any) -> Patch | None:
    """The patch that turns ``a`` into ``b``; None if they are the same."""
    if isinstance(a, dict) and isinstance(b, dict):
        return _diff_dict(a, b)
    if isinstance(a, list) and isinstance(b, list):
        if _same(a, b):
            return None
        keyed = _diff_keyed(a, b)
        return keyed if keyed is not None else {"value": b}
    return None if _same(a, b) else {"value": b}


def apply(a: Any, patch: Patch | None) -> Any:
    """``a`` with ``patch`` applied; ``a`` itself is not changed (unchanged parts are shared).

    Raises ValueError when the patch does not fit ``a`` (a client then asks for the whole view again).
    """
    if patch is None:
        return a
    if not isinstance(patch, dict):
        raise ValueError("a patch is an object")
    if "value" in patch:
        return patch["value"]
    if "fields" in patch or ("removed" in patch and "by" not in patch):
        return _apply_dict(a, patch)
    if "by" in patch:
        return _apply_keyed(a, patch)
    raise ValueError("unknown patch shape")


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: ``True`` is not ``1``, ``1`` is not ``1.0``."""
    return type(a) is type(b) and a == b and _same_types(a, b)


def _same_types(a: Any, b: Any) -> bool:
    """For ``a == b`` (compared in C, fast): whether their scalars have the same types too."""
    if isinstance(a, dict):
        pairs: Any = ((v, b[k]) for k, v in a.items())
    elif isinstance(a, list):
        pairs = zip(a, b, strict=True)
    else:
        return True
    for v, w in pairs:
        if type(v) is not type(w):
            return False
        if isinstance(v, (dict, list)) and not _same_types(v, w):
            return False
    return True


def _diff_dict(a: dict[str, Any], b: dict[str, Any]) -> Patch | None:
    fields: dict[str, Any] = {}
    for k, v in b.items():
        if k not in a:
            fields[k] = {"value": v}
            continue
        p = diff(a[k], v)
        if p is not None:
            fields[k] = p
    removed = [k for k in a if k not in b]
    if not fields and not removed:
        return None
    out: Patch = {}
    if fields:
        out["fields"] = fields
    if removed:
        out["removed"] = removed
    return out


def _apply_dict(a: Any, patch: Patch) -> dict[str, Any]:
    if not isinstance(a, dict):
        raise ValueError("a field patch on something that is not an object")
    out = dict(a)
    for k in patch.get("removed", ()):
        if k not in out:
            raise ValueError(f"removed field {k!r} is not there")
        del out[k]
    for k, p in patch.get("fields", {}).items():
        if k in out:
            out[k] = apply(out[k], p)
        elif isinstance(p, dict) and "value" in p:
            out[k] = p["value"]
        else:
            raise ValueError(f"field {k!r} is patched but not there")
    return out


def _key_of(entries: list[Any]) -> str | None:
    """The first of ``KEYS`` that every entry carries, with no two entries sharing a value."""
    if not entries or not all(isinstance(e, dict) for e in entries):
        return None
    for key in KEYS:
        if all(key in e and type(e[key]) in (str, int) for e in entries):
            values = [e[key] for e in entries]
            if len(set(values)) == len(values) and len({type(v) for v in values}) == 1:
                return key
            return None
    return None


def _ordinal_of(entries: list[dict[str, Any]]) -> str | None:
    for field in ORDINALS:
        if all(type(e.get(field)) is int and e[field] == i + 1 for i, e in enumerate(entries)):
            return field
    return None


def _diff_keyed(a: list[Any], b: list[Any]) -> Patch | None:
    key = _key_of(a)
    if key is None or _key_of(b) != key:
        return None
    ordinal = _ordinal_of(b)
    old = {e[key]: i for i, e in enumerate(a)}
    kept = _stable(old, [e[key] for e in b])
    removed = [e[key] for e in a if e[key] not in kept]
    inserted: list[list[Any]] = []
    changed: list[list[Any]] = []
    for i, e in enumerate(b):
        k = e[key]
        if k not in kept:
            inserted.append([i, e])
            continue
        before, after = a[old[k]], e
        if ordinal is not None:
            before = {f: v for f, v in before.items() if f != ordinal}
            after = {f: v for f, v in after.items() if f != ordinal}
        p = diff(before, after)
        if p is not None:
            changed.append([k, p])
    out: Patch = {"by": key}
    if removed:
        out["removed"] = removed
    if inserted:
        out["inserted"] = inserted
    if changed:
        out["changed"] = changed
    if ordinal is not None:
        out["ordinal"] = ordinal
    return out


def _stable(old: dict[Any, int], new_keys: list[Any]) -> set[Any]:
    """The keys of the longest run of entries that keep their relative order (longest increasing
    subsequence of their old indices, O(n log n))."""
    seq = [(old[k], k) for k in new_keys if k in old]
    tails: list[int] = []  # tails[j]: old index ending the best run of length j + 1
    tail_at: list[int] = []  # its position in seq
    prev = [-1] * len(seq)
    for pos, (idx, _) in enumerate(seq):
        j = bisect_left(tails, idx)
        if j == len(tails):
            tails.append(idx)
            tail_at.append(pos)
        else:
            tails[j] = idx
            tail_at[j] = pos
        prev[pos] = tail_at[j - 1] if j > 0 else -1
    kept: set[Any] = set()
    pos = tail_at[-1] if tail_at else -1
    while pos >= 0:
        kept.add(seq[pos][1])
        pos = prev[pos]
    return kept


def _apply_keyed(a: Any, patch: Patch) -> list[Any]:
    key = patch["by"]
    if not isinstance(a, list) or not all(isinstance(e, dict) and key in e for e in a):
        raise ValueError(f"a list patch by {key!r} on a list without that key")
    removed = set(patch.get("removed", ()))
    changes = {k: p for k, p in patch.get("changed", ())}
    out: list[Any] = []
    for e in a:
        k = e[key]
        if k in removed:
            continue
        out.append(apply(e, changes.pop(k)) if k in changes else e)
    if changes:
        raise ValueError(f"entries {sorted(map(str, changes))} are patched but not there")
    for i, entry in patch.get("inserted", ()):
        if not 0 <= i <= len(out):
            raise ValueError(f"insert at {i} in a list of {len(out)}")
        out.insert(i, entry)
    ordinal = patch.get("ordinal")
    if ordinal is not None:
        out = [e if _same(e.get(ordinal), i + 1) else {**e, ordinal: i + 1} for i, e in enumerate(out)]
    return out
