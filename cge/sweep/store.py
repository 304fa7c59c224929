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
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

META_KEY = b"cge_sweep"
VALUE_SCHEMA = pa.schema([("point_id", pa.string()), ("measure", pa.string()), ("region", pa.string()),
                          ("value", pa.float64())])


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
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.parts = self.out / "parts"
        self.manifest = self.out / "manifest.jsonl"
        self.parts.mkdir(parents=True, exist_ok=True)
        self.entries: list[dict] = []          # manifest lines

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
                    p.unlink(missing_ok=True)
                    continue
                adopted.append({"partition": p.name, "points": records})
        if torn or adopted:
            tmp = self.manifest.with_suffix(".jsonl.tmp")
            with open(tmp, "w") as fh:
                for e in entries + adopted:
                    fh.write(json.dumps(e) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.manifest)
            _fsync_dir(self.out)
        self.entries = entries + adopted
        return self.done()

    def done(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for e in self.entries:
            for rec in e["points"]:
                out.setdefault(rec["id"], rec)
        return out

    # ------------------------------------------------------------------ writing
    def write(self, records: list[dict]) -> str:
        """Write one batch (records with ``values``) as a partition and list it in the manifest."""
        rows = [(r["id"], m, reg, float(v)) for r in records for (m, reg, v) in r.get("values", [])]
        meta_records = [{k: v for k, v in r.items() if k != "values"} for r in records]
        cols = list(zip(*rows)) if rows else [[], [], [], []]
        table = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(cols, VALUE_SCHEMA)],
                                     schema=VALUE_SCHEMA)
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
        return name

    # ------------------------------------------------------------------ reading
    def values(self) -> pd.DataFrame:
        files = [self.parts / e["partition"] for e in self.entries]
        if not files:
            return pd.DataFrame({f.name: pd.Series(dtype="float64" if f.name == "value" else "object")
                                 for f in VALUE_SCHEMA})
        return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()

    def records(self) -> pd.DataFrame:
        recs = list(self.done().values())
        return pd.DataFrame(recs)
