"""Append-only sweep results: Parquet partitions plus a manifest, safe against a kill at any moment.

Layout of a sweep folder::

    parts/part-<uuid>.parquet   tidy values (point_id, measure, region, value) of one batch; the
                                batch's point records (status, reason, diagnostics, timings) are
                                in the file's schema metadata under ``cge_sweep``
    manifest.jsonl              one line per partition: its file name and its point records

A partition is written to a temporary name and renamed (atomic), then its manifest line is
appended and fsynced. On open (:meth:`Store.recover`) a torn last manifest line is dropped,
partitions the manifest does not list (a kill between rename and append) are adopted from their
own metadata, and temporary files are deleted. So every point whose partition was renamed into
place is done exactly once, and nothing else is. Failed points are done too: they are recorded
with their diagnostics and not solved again.

A damaged folder is never stuck: every partition is read in full on open; one that cannot be read
(truncated, corrupted) or whose points are all stored already in an earlier partition (two writers
before the lock existed) is moved to ``quarantine/`` with a line in ``quarantine/reasons.txt``,
and its points are solved again on resume. A point stored in two partitions counts once (the
first). The writer in :mod:`cge.sweep.execute` holds the folder's lock, so there is one writer.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

log = logging.getLogger("cge.sweep")

META_KEY = b"cge_sweep"
VALUE_SCHEMA = pa.schema([("point_id", pa.string()), ("measure", pa.string()), ("region", pa.string()),
                          ("value", pa.float64())])
#: the values of a path sweep's point (:mod:`cge.sweep.path_plan`): every policy design on the path and year
PATH_VALUE_SCHEMA = pa.schema([("point_id", pa.string()), ("design", pa.string()), ("year", pa.int64()),
                               ("measure", pa.string()), ("region", pa.string()), ("value", pa.float64())])
#: the values of each kind of sweep folder (``sweep.json: kind``): a point per scenario, or per set of path
#: assumptions
SCHEMAS = {"scenario": VALUE_SCHEMA, "path": PATH_VALUE_SCHEMA}


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Store:
    """The partitions and manifest of one sweep folder; ``schema``: the columns of its values
    (:data:`VALUE_SCHEMA`, or :data:`PATH_VALUE_SCHEMA` for a path sweep)."""

    def __init__(self, out: str | Path, schema: pa.Schema = VALUE_SCHEMA):
        self.out = Path(out)
        self.schema = schema
        self.parts = self.out / "parts"
        self.manifest = self.out / "manifest.jsonl"
        self.parts.mkdir(parents=True, exist_ok=True)
        self._owner: dict[str, str] = {}
        self.entries: list[dict] = []          # manifest lines
        self.quarantined: list[tuple[str, str]] = []   # (partition, reason) moved aside by recover()
        self._tables: dict[str, pa.Table] = {}

    # ------------------------------------------------------------------ recovery
    def recover(self) -> dict[str, dict]:
        """Make the folder consistent; return ``point id -> record`` of every point done."""
        for tmp in self.parts.glob("*.tmp"):
            tmp.unlink(missing_ok=True)
        entries, listed, torn = [], set(), False
        if self.manifest.exists():
            text = self.manifest.read_text()
            torn = bool(text) and not text.endswith("\n")
            for line in text.splitlines():
                try:
                    e = json.loads(line)
                except json.JSONDecodeError:
                    torn = True
                    continue
                if not (isinstance(e, dict) and isinstance(e.get("partition"), str)
                        and isinstance(e.get("points"), list)):
                    torn = True
                    continue
                if (self.parts / e["partition"]).exists() and e["partition"] not in listed:
                    entries.append(e)
                    listed.add(e["partition"])
                else:
                    torn = True
        adopted = []
        for p in sorted(self.parts.glob("part-*.parquet")):
            if p.name not in listed:
                try:
                    meta = pq.read_schema(p).metadata or {}
                    records = json.loads(meta[META_KEY])
                except Exception:  # noqa: BLE001 - an unreadable orphan is not a result
                    self._quarantine(p.name, "unreadable partition not listed in the manifest")
                    continue
                adopted.append({"partition": p.name, "points": records})
        kept, owner = [], {}
        for e in entries + adopted:
            try:
                table = pq.read_table(self.parts / e["partition"])
                if table.schema.remove_metadata() != self.schema:
                    raise ValueError(f"columns {table.schema.names}")
            except Exception as exc:  # noqa: BLE001 - any damage: quarantine, re-solve its points
                self._quarantine(e["partition"], f"unreadable ({type(exc).__name__}: {str(exc)[:120]})")
                continue
            ids = [rec["id"] for rec in e["points"]]
            if ids and all(i in owner for i in ids):
                self._quarantine(e["partition"], f"duplicate: its {len(ids)} point(s) are stored already "
                                                 f"(in {owner[ids[0]]})")
                continue
            for i in ids:
                owner.setdefault(i, e["partition"])
            self._tables[e["partition"]] = table
            kept.append(e)
        if torn or adopted or len(kept) != len(entries) + len(adopted):
            tmp = self.manifest.with_suffix(".jsonl.tmp")
            with open(tmp, "w") as fh:
                for e in kept:
                    fh.write(json.dumps(e) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.manifest)
            _fsync_dir(self.out)
        self.entries = kept
        self._owner = owner
        return self.done()

    def _quarantine(self, name: str, reason: str) -> None:
        """Move a bad partition to ``quarantine/`` (kept for inspection, never read again)."""
        q = self.out / "quarantine"
        q.mkdir(exist_ok=True)
        src = self.parts / name
        if src.exists():
            os.replace(src, q / name)
        with open(q / "reasons.txt", "a") as fh:
            fh.write(f"{name}: {reason}\n")
        self.quarantined.append((name, reason))
        log.warning("quarantined partition %s: %s; its points will be solved again", name, reason)

    def done(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for e in self.entries:
            for rec in e["points"]:
                out.setdefault(rec["id"], rec)
        return out

    # ------------------------------------------------------------------ writing
    def write(self, records: list[dict]) -> str:
        """Write one batch (records with ``values``) as a partition and list it in the manifest."""
        rows = [(r["id"], *v) for r in records for v in r.get("values", [])]
        meta_records = [{k: v for k, v in r.items() if k != "values"} for r in records]
        cols = list(zip(*rows)) if rows else [[] for _ in self.schema]
        table = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(cols, self.schema)],
                                     schema=self.schema)
        table = table.replace_schema_metadata({META_KEY: json.dumps(meta_records, default=str).encode()})
        name = f"part-{uuid.uuid4().hex[:16]}.parquet"
        tmp = self.parts / (name + ".tmp")
        pq.write_table(table, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.parts / name)
        _fsync_dir(self.parts)
        entry = {"partition": name, "points": meta_records}
        with open(self.manifest, "a") as fh:
            fh.write(json.dumps(entry, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.entries.append(entry)
        for rec in meta_records:
            self._owner.setdefault(rec["id"], name)
        self._tables[name] = table
        return name

    # ------------------------------------------------------------------ reading
    def values(self) -> pd.DataFrame:
        """Tidy values of every done point, each point from the one partition that owns it."""
        tables = []
        for e in self.entries:
            name = e["partition"]
            table = self._tables.get(name)
            if table is None:
                table = self._tables[name] = pq.read_table(self.parts / name)
            own = [rec["id"] for rec in e["points"] if self._owner.get(rec["id"]) == name]
            if len(own) != len(e["points"]):
                table = table.filter(pc.is_in(table["point_id"], value_set=pa.array(own, type=pa.string())))
            tables.append(table.replace_schema_metadata(None))
        if not tables:
            return self.schema.empty_table().to_pandas()
        return pa.concat_tables(tables).to_pandas()

    def records(self) -> pd.DataFrame:
        recs = list(self.done().values())
        return pd.DataFrame(recs)
